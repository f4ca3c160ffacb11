"""CIFAR-10 and CIFAR-100 from the python versions' pickled batches, read without running code from the files.

The batches are pickles of a dict holding a list of labels (CIFAR-100: fine and coarse ones),
a list of file names and a uint8 numpy array (N x 3072, channel-planar rows of 32x32 images). Unpickling can
call any importable function, so batches are read with an unpickler whose ``find_class``
returns only numpy's array-rebuilding functions (``_reconstruct``, ``ndarray``,
``dtype``, ``_frombuffer``) and ``_codecs.encode`` (Python 3 writes bytes that way at
protocol 2); every other global raises. Those functions only allocate arrays from
shapes, dtypes and bytes, so a crafted batch can at worst fail to load -- and the result
is then checked for exactly the expected types, shapes and label range.
"""

from __future__ import annotations

import codecs
import importlib
import io
import os
import pickle
import tarfile
from collections.abc import Callable
from typing import Any

import numpy as np

from . import files
from .files import DatasetError
from .vision import VisionDataset

_PIXELS = 3 * 32 * 32


def _numpy_function(module: str, name: str) -> Any:
    """numpy's function, from numpy._core (numpy 2) or numpy.core (numpy 1), without numpy 2's deprecation shim."""
    for mod in (module.replace("numpy.core", "numpy._core"), module):
        try:
            return getattr(importlib.import_module(mod), name)
        except (ImportError, AttributeError):
            continue
    raise pickle.UnpicklingError(f"{module}.{name} is not available in this numpy")


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that resolves only numpy's array-rebuilding globals (see the module docstring)."""

    _NUMPY = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._NUMPY:
            return _numpy_function(module.replace("numpy._core", "numpy.core"), name)
        if module == "numpy" and name in ("ndarray", "dtype"):
            return getattr(np, name)
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed in a CIFAR batch")


def read_pickle(path: str, data: bytes, what: str = "CIFAR-10") -> Any:
    """Unpickle ``data`` (the contents of ``path``, a file of data set ``what``) with the restricted unpickler."""
    try:
        return _BatchUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as err:  # any failure to decode means the file is not a valid batch
        raise DatasetError(
            f"{path}: not a readable {what} pickle ({type(err).__name__}: {err}); the file is "
            f"corrupted or not a {what} batch"
        ) from None


def parse_batch(
    path: str, data: bytes, num_classes: int, label_key: str = "labels", what: str = "CIFAR-10"
) -> tuple[np.ndarray, list[int]]:
    """The (N x 3072 uint8) pixels and labels (under ``label_key``) of one batch file, after checking its structure."""
    obj = read_pickle(path, data, what)
    if not isinstance(obj, dict) or "data" not in obj or label_key not in obj:
        found = sorted(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__
        raise DatasetError(f"{path}: expected a dict with 'data' and '{label_key}', found {found}")
    pixels, labels = obj["data"], obj[label_key]
    if not (
        isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 2 and pixels.shape[1] == _PIXELS
    ):
        what = (
            f"{pixels.dtype} array of shape {pixels.shape}" if isinstance(pixels, np.ndarray) else type(pixels).__name__
        )
        raise DatasetError(f"{path}: 'data' should be a uint8 array of shape (N, {_PIXELS}), found a {what}")
    if not isinstance(labels, list) or not all(type(x) is int for x in labels):
        raise DatasetError(f"{path}: '{label_key}' should be a list of ints")
    if len(labels) != len(pixels):
        raise DatasetError(f"{path}: {len(pixels)} images but {len(labels)} labels")
    bad = [i for i, x in enumerate(labels) if not 0 <= x < num_classes]
    if bad:
        raise DatasetError(
            f"{path}: label {labels[bad[0]]} at index {bad[0]} is out of range 0..{num_classes - 1} "
            f"({len(bad)} such labels); the file is corrupted"
        )
    return pixels, labels


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 in ten classes.

    The batches are read from ``root/cifar-10-batches-py/`` or straight from
    ``root/cifar-10-python.tar.gz`` (then from the system directories). ``download=True``
    fetches the tarball, verifies its MD5 and extracts the batches.

    Args:
        root: the directory holding ``cifar-10-batches-py`` or the tarball.
        train: the five training batches (else the test batch).
        transform: applied to each image (a PIL RGB image, or an HxWx3 uint8 array without pillow).
        target_transform: applied to each label.
        download: fetch the tarball when the batches are not found.
    """

    root: str  # required here (VisionDataset takes None)
    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    system_dirs: list[str] = ["/usr/share/datasets/cifar-10"]
    num_classes = 10
    title = "CIFAR-10"
    label_key = "labels"
    # Images per canonical batch; only batches of that size are compared with the published MD5s.
    canonical_counts: dict[str, int] = {name: 10000 for name, _ in train_list + test_list}

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
        read = self._reader()
        names = self.train_list if train else self.test_list
        pixels, self.targets = [], []
        canonical = True
        for name, md5 in names:
            path, data = read(name)
            batch, labels = parse_batch(path, data, self.num_classes, self.label_key, self.title)
            is_canonical = len(batch) == self.canonical_counts.get(name, -1)
            if is_canonical:
                files.check_md5(path, data, md5, "the batch")
            canonical &= is_canonical
            pixels.append(batch)
            self.targets.extend(labels)
        # Rows are channel-planar (RRR..GGG..BBB); images are kept HWC, as torchvision keeps them.
        self.data = np.ascontiguousarray(np.concatenate(pixels).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self._load_meta(read, canonical)

    def _load_meta(self, read: Callable, canonical: bool) -> None:
        path, data = read(self.meta["filename"])
        if canonical:
            files.check_md5(path, data, self.meta["md5"], "the metadata file")
        obj = read_pickle(path, data, self.title)
        names = obj.get(self.meta["key"]) if isinstance(obj, dict) else None
        if not (isinstance(names, list) and len(names) == self.num_classes and all(isinstance(n, str) for n in names)):
            raise DatasetError(f"{path}: expected '{self.meta['key']}', a list of {self.num_classes} class names")
        self.classes = names
        self.class_to_idx = {c: i for i, c in enumerate(names)}

    def _bases(self) -> list[str]:
        return [self.root] + list(self.system_dirs)

    def _check_exists(self) -> bool:
        return any(
            os.path.isdir(os.path.join(b, self.base_folder)) or os.path.isfile(os.path.join(b, self.filename))
            for b in self._bases()
        )

    def _reader(self) -> Callable[[str], tuple[str, bytes]]:
        """A function from a batch name to (path for messages, its bytes), over the first source found."""
        for base in self._bases():
            folder = os.path.join(base, self.base_folder)
            if os.path.isdir(folder):
                return lambda name: self._read_file(os.path.join(folder, name))
            archive = os.path.join(base, self.filename)
            if os.path.isfile(archive):
                members = self._read_archive(archive)
                return lambda name: (f"{archive}:{self.base_folder}/{name}", self._member(archive, members, name))
        looked = [os.path.join(b, n) for b in self._bases() for n in (self.base_folder, self.filename)]
        raise DatasetError(
            f"{type(self).__name__} not found: looked for {', '.join(looked)}. Pass download=True to download it."
        )

    def _read_file(self, path: str) -> tuple[str, bytes]:
        try:
            with open(path, "rb") as fh:
                return path, fh.read()
        except FileNotFoundError:
            raise DatasetError(
                f"{path} is missing: the {self.title} folder is incomplete (pass download=True to fetch the data set "
                "again)"
            ) from None
        except OSError as err:
            raise DatasetError(f"{path}: cannot be read ({err.strerror or err})") from None

    def _read_archive(self, archive: str) -> dict[str, bytes]:
        """The regular files of the archive's batch folder, by name (nothing is written to disk)."""
        wanted = {name for name, _ in self.train_list + self.test_list} | {self.meta["filename"]}
        out: dict[str, bytes] = {}
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar:
                    folder, _, name = member.name.rpartition("/")
                    if folder == self.base_folder and name in wanted and member.isfile():
                        out[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
        except (tarfile.TarError, EOFError, OSError) as err:
            raise DatasetError(
                f"{archive}: not a readable .tar.gz archive ({type(err).__name__}: {err}); the file "
                "is truncated or corrupted"
            ) from None
        return out

    def _member(self, archive: str, members: dict[str, bytes], name: str) -> bytes:
        if name not in members:
            raise DatasetError(f"{archive}: has no {self.base_folder}/{name}; expected the {self.title} python archive")
        return members[name]

    def download(self) -> None:
        """Fetch the tarball into ``root`` (checking its MD5); extract the batches into ``root/<base_folder>``."""
        folder = os.path.join(self.root, self.base_folder)
        if self._check_exists():
            return
        archive = os.path.join(self.root, self.filename)
        files.download(self.url, archive, self.tgz_md5)
        members = self._read_archive(archive)
        os.makedirs(folder, exist_ok=True)
        for name, data in members.items():
            files.write_atomic(os.path.join(folder, name), data)


class CIFAR100(CIFAR10):
    """CIFAR-100: CIFAR-10's format and sizes, 100 classes; targets are the fine labels, as torchvision's.

    The batches are ``train`` and ``test`` in ``root/cifar-100-python/`` or the tarball
    ``root/cifar-100-python.tar.gz``. Same arguments as CIFAR10.
    """

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
    system_dirs = ["/usr/share/datasets/cifar-100"]
    num_classes = 100
    title = "CIFAR-100"
    label_key = "fine_labels"
    canonical_counts = {"train": 50000, "test": 10000}
