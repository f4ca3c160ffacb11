"""DatasetFolder and ImageFolder: one sub-folder of ``root`` per class, files loaded on access, as torchvision's.

Classes are the sub-folder names in sorted order (their index is the target); samples are every valid file
under each class folder (recursively, links followed), sorted by folder then file name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .vision import VisionDataset

try:
    from PIL import Image
except ImportError:  # pillow is optional; only the default loader needs it
    Image = None  # type: ignore[assignment]  # the optional-import idiom: checked before use

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """Whether ``filename`` ends with one of ``extensions`` (case-insensitive)."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename: str) -> bool:
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """The sorted names of the sub-folders of ``directory`` and their indices.

    Raises:
        FileNotFoundError: ``directory`` has no sub-folder.
    """
    classes = sorted(entry.name for entry in os.scandir(os.fspath(directory)) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(
    directory: str | os.PathLike,
    class_to_idx: dict[str, int] | None = None,
    extensions: str | tuple[str, ...] | None = None,
    is_valid_file: Callable[[str], bool] | None = None,
    allow_empty: bool = False,
) -> list[tuple[str, int]]:
    """(path, class index) of every valid file under the class folders of ``directory``.

    Args:
        directory: the root folder.
        class_to_idx: class folder name -> index (default: ``find_classes``).
        extensions: the file endings to keep; or
        is_valid_file: a test of a file's path (exactly one of the two).
        allow_empty: allow a class folder without any valid file.

    Raises:
        FileNotFoundError: some class has no valid file (and ``allow_empty`` is False).
    """
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        wanted = extensions

        def is_valid_file(path: str) -> bool:
            return has_file_allowed_extension(path, wanted)

    assert is_valid_file is not None  # one of the two was given (checked above)
    instances = []
    available = set()
    for target_class in sorted(class_to_idx):
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_to_idx[target_class]))
                    available.add(target_class)
    empty = set(class_to_idx) - available
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return instances


def pil_loader(path: str) -> Any:
    """The image at ``path`` as an RGB PIL image (read fully, the file closed)."""
    if Image is None:
        raise ImportError("loading images needs pillow (pip install pillow)")
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


def default_loader(path: str) -> Any:
    return pil_loader(path)


class DatasetFolder(VisionDataset):
    """Samples in ``root/<class>/**/<file>``, read by ``loader`` when indexed.

    Args:
        root: the root folder.
        loader: reads a sample from its path.
        extensions: the file endings to keep; or
        transform: applied to each loaded sample.
        target_transform: applied to each class index.
        is_valid_file: a test of a file's path (instead of ``extensions``).
        allow_empty: allow class folders without any valid file.
    """

    root: str  # required here (VisionDataset takes None)

    def __init__(
        self,
        root: Any,
        loader: Callable[[str], Any],
        extensions: tuple[str, ...] | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples = samples
        self.targets = [s[1] for s in samples]

    @staticmethod
    def make_dataset(
        directory: str,
        class_to_idx: dict[str, int],
        extensions: tuple[str, ...] | None = None,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> list[tuple[str, int]]:
        """The (path, class index) samples (see the module-level ``make_dataset``); override to change them."""
        if class_to_idx is None:
            # the module-level function would fall back on its own find_classes, not an overriding method's
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
        """The classes and their indices (see the module-level ``find_classes``); override to change them."""
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)

    def _batchable(self) -> bool:
        return False  # files are decoded one by one: there is no array to gather a batch from

    def extra_repr(self) -> str:
        return ""


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/**/<image>`` (the extensions in ``IMG_EXTENSIONS``), loaded as RGB PIL images.

    Args:
        root: the root folder.
        transform: applied to each image.
        target_transform: applied to each class index.
        loader: reads an image from its path (default: PIL, converted to RGB).
        is_valid_file: a test of a file's path (instead of the image extensions).
        allow_empty: allow class folders without any image.
    """

    def __init__(
        self,
        root: Any,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        loader: Callable[[str], Any] = default_loader,
        is_valid_file: Callable[[str], bool] | None = None,
        allow_empty: bool = False,
    ) -> None:
        super().__init__(
            root,
            loader,
            IMG_EXTENSIONS if is_valid_file is None else None,
            transform=transform,
            target_transform=target_transform,
            is_valid_file=is_valid_file,
            allow_empty=allow_empty,
        )
        self.imgs = self.samples
