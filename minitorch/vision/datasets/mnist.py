"""MNIST and Fashion-MNIST from their IDX files (gzipped or not), checked on every load.

An IDX file is a big-endian header -- magic number (2051 for uint8 images with 3
dimensions, 2049 for uint8 labels with 1), then one uint32 per dimension -- followed by
the values. A file is decoded in one ``np.frombuffer`` after its header, size, label range
and image/label counts have been checked. A file of the canonical size is also compared
with the MD5 of the canonical file's decompressed content, which holds whether it was
fetched gzipped from upstream, recompressed by a distribution (Debian's Fashion-MNIST
is) or stored uncompressed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ...creation import from_numpy
from . import files
from .files import DatasetError
from .vision import VisionDataset

_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049


def read_idx(path: str, magic: int, item_shape: tuple[int, ...], known: tuple[str, int] | None = None) -> np.ndarray:
    """The uint8 array in an IDX file, after checking its header against ``magic`` and ``item_shape``.

    Args:
        path: the file (gzipped or raw).
        magic: 2051 for images, 2049 for labels.
        item_shape: the shape of one item: ``(28, 28)`` for images, ``()`` for labels.
        known: (MD5, size) of the canonical file's decompressed content, checked when the size matches.
    """
    raw = files.read_maybe_gzip(path)
    kind = "image" if magic == _IMAGES_MAGIC else "label"
    ndim = 1 + len(item_shape)
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(
            f"{path}: {len(raw)} bytes, too short for the {header}-byte header of an IDX {kind} "
            "file (the file is truncated)"
        )
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DatasetError(
            f"{path}: magic number {found} (0x{found:08x}), expected {magic} (0x{magic:08x}) for "
            f"an IDX {kind} file: this is not an MNIST {kind} file, or it is corrupted"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if dims[1:] != item_shape:
        shape = "x".join(map(str, dims[1:]))
        raise DatasetError(f"{path}: {kind}s of {shape}, expected {'x'.join(map(str, item_shape))}")
    count = dims[0]
    per_item = int(np.prod(item_shape, dtype=np.int64))
    expected = header + count * per_item
    if len(raw) != expected:
        how = "the file is truncated" if len(raw) < expected else "the file has trailing bytes"
        raise DatasetError(
            f"{path}: {len(raw)} bytes, expected {expected} for the {count} {kind}s its header announces ({how})"
        )
    if known is not None and len(raw) == known[1]:
        files.check_md5(path, raw, known[0], "the decompressed content")
    return np.frombuffer(raw, dtype=np.uint8, count=count * per_item, offset=header).reshape(dims).copy()


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28, labels 0-9.

    Files are looked for (gzipped or not) in ``root/<ClassName>/raw`` (torchvision's
    layout, where ``download=True`` puts them), ``root/<ClassName>``, ``root`` and the
    system directories (Debian's ``/usr/share/datasets``).

    Args:
        root: the data directory.
        train: the training split (else the test split).
        transform: applied to each image (a PIL image, or a uint8 array without pillow).
        target_transform: applied to each label.
        download: fetch the files that are missing from the canonical source.
    """

    root: str  # required here (VisionDataset takes None)
    mirrors: list[str] = ["https://ossci-datasets.s3.amazonaws.com/mnist/"]
    # Published MD5s of the gzipped files, as served (checked on download).
    resources: list[tuple[str, str]] = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # MD5 and size of the decompressed canonical files (checked on every load).
    contents: dict[str, tuple[str, int]] = {
        "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 47040016),
        "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 60008),
        "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 7840016),
        "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 10008),
    }
    system_dirs: list[str] = ["/usr/share/datasets/mnist"]
    classes: list[str] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]
    image_shape: tuple[int, int] = (28, 28)

    def __init__(
        self,
        root: Any,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        images, labels = self._load()
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _dirs(self) -> list[str]:
        return [self.raw_folder, os.path.join(self.root, type(self).__name__), self.root] + list(self.system_dirs)

    @staticmethod
    def _stems(train: bool) -> tuple[str, str]:
        prefix = "train" if train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _locate(self, stem: str) -> str | None:
        return files.find(self._dirs(), [stem + ".gz", stem])

    def _check_exists(self) -> bool:
        return all(self._locate(stem) for train in (True, False) for stem in self._stems(train))

    def download(self) -> None:
        """Fetch the files not found locally into ``raw_folder``, verifying each one's published MD5."""
        if self._check_exists():
            return
        for filename, md5 in self.resources:
            if self._locate(filename[:-3]):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    files.download(mirror + filename, os.path.join(self.raw_folder, filename), md5)
                    break
                except DatasetError as err:
                    errors.append(str(err))
            else:
                raise DatasetError(f"could not download {filename} for {type(self).__name__}: " + "; ".join(errors))

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        paths = []
        for stem in self._stems(self.train):
            path = self._locate(stem)
            if path is None:
                raise DatasetError(
                    files.missing_message(f"{type(self).__name__} ({stem})", self._dirs(), [stem + ".gz", stem])
                )
            paths.append(path)
        img_stem, lbl_stem = self._stems(self.train)
        images = read_idx(paths[0], _IMAGES_MAGIC, self.image_shape, self.contents.get(img_stem))
        labels = read_idx(paths[1], _LABELS_MAGIC, (), self.contents.get(lbl_stem))
        if len(images) != len(labels):
            raise DatasetError(
                f"{paths[0]} holds {len(images)} images but {paths[1]} holds {len(labels)} labels; "
                "the two files must come from the same split"
            )
        bad = np.flatnonzero(labels >= len(self.classes))
        if bad.size:
            raise DatasetError(
                f"{paths[1]}: label {int(labels[bad[0]])} at index {int(bad[0])} is out of range "
                f"0..{len(self.classes) - 1} ({bad.size} such labels); the file is corrupted"
            )
        return images, labels


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, ten kinds of clothing. Same arguments as MNIST."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    contents = {
        "train-images-idx3-ubyte": ("f4a8712d7a061bf5bd6d2ca38dc4d50a", 47040016),
        "train-labels-idx1-ubyte": ("9018921c3c673c538a1fc5bad174d6f9", 60008),
        "t10k-images-idx3-ubyte": ("8181f5470baa50b63fa0f6fddb340f0a", 7840016),
        "t10k-labels-idx1-ubyte": ("15d484375f8d13e6eb1aabb0c3f46965", 10008),
    }
    system_dirs = ["/usr/share/datasets/fashion-mnist"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: MNIST's format and sizes, ten cursive Japanese (hiragana) characters. Same arguments as MNIST.

    Only the gzipped files' MD5s are published, so they are checked on download, not on every load.
    """

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    contents: dict[str, tuple[str, int]] = {}
    system_dirs: list[str] = []
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
