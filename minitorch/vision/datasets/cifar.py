"""CIFAR-10 from the python version's pickled batches, read without running code from the files.

The batches are pickles of a dict holding a list of labels, a list of file names and a
uint8 numpy array (10000 x 3072, channel-planar rows of 32x32 images). Unpickling can
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

_FOLDER = "cifar-10-batches-py"
_ARCHIVE = "cifar-10-python.tar.gz"
_PIXELS = 3 * 32 * 32
_CANONICAL_COUNT = 10000  # images per canonical batch; only such batches are compared with the published MD5s


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
        raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed in a CIFAR-10 batch")


def read_pickle(path: str, data: bytes) -> Any:
    """Unpickle ``data`` (the contents of ``path``) with the restricted unpickler."""
    try:
        return _BatchUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as err:  # any failure to decode means the file is not a valid batch
        raise DatasetError(
            f"{path}: not a readable CIFAR-10 pickle ({type(err).__name__}: {err}); the file is "
            "corrupted or not a CIFAR-10 batch"
        ) from None


def parse_batch(path: str, data: bytes, num_classes: int) -> tuple[np.ndarray, list[int]]:
    """The (N x 3072 uint8) pixels and labels of one batch file, after checking its structure."""
    obj = read_pickle(path, data)
    if not isinstance(obj, dict) or "data" not in obj or "labels" not in obj:
        found = sorted(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__
        raise DatasetError(f"{path}: expected a dict with 'data' and 'labels', found {found}")
    pixels, labels = obj["data"], obj["labels"]
    if not (
        isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 2 and pixels.shape[1] == _PIXELS
    ):
        what = (
            f"{pixels.dtype} array of shape {pixels.shape}" if isinstance(pixels, np.ndarray) else type(pixels).__name__
        )
        raise DatasetError(f"{path}: 'data' should be a uint8 array of shape (N, {_PIXELS}), found a {what}")
    if not isinstance(labels, list) or not all(type(x) is int for x in labels):
        raise DatasetError(f"{path}: 'labels' should be a list of ints")
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
    base_folder = _FOLDER
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = _ARCHIVE
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
            batch, labels = parse_batch(path, data, self.num_classes)
            if len(batch) == _CANONICAL_COUNT:
                files.check_md5(path, data, md5, "the batch")
            canonical &= len(batch) == _CANONICAL_COUNT
            pixels.append(batch)
            self.targets.extend(labels)
        # Rows are channel-planar (RRR..GGG..BBB); images are kept HWC, as torchvision keeps them.
        self.data = np.ascontiguousarray(np.concatenate(pixels).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self._load_meta(read, canonical)

    def _load_meta(self, read: Callable, canonical: bool) -> None:
        path, data = read(self.meta["filename"])
        if canonical:
            files.check_md5(path, data, self.meta["md5"], "the metadata file")
        obj = read_pickle(path, data)
        names = obj.get(self.meta["key"]) if isinstance(obj, dict) else None
        if not (isinstance(names, list) and len(names) == self.num_classes and all(isinstance(n, str) for n in names)):
            raise DatasetError(f"{path}: expected '{self.meta['key']}', a list of {self.num_classes} class names")
        self.classes = names
        self.class_to_idx = {c: i for i, c in enumerate(names)}

    def _bases(self) -> list[str]:
        return [self.root] + list(self.system_dirs)

    def _check_exists(self) -> bool:
        return any(
            os.path.isdir(os.path.join(b, _FOLDER)) or os.path.isfile(os.path.join(b, _ARCHIVE)) for b in self._bases()
        )

    def _reader(self) -> Callable[[str], tuple[str, bytes]]:
        """A function from a batch name to (path for messages, its bytes), over the first source found."""
        for base in self._bases():
            folder = os.path.join(base, _FOLDER)
            if os.path.isdir(folder):
                return lambda name: self._read_file(os.path.join(folder, name))
            archive = os.path.join(base, _ARCHIVE)
            if os.path.isfile(archive):
                members = self._read_archive(archive)
                return lambda name: (f"{archive}:{_FOLDER}/{name}", self._member(archive, members, name))
        looked = [os.path.join(b, n) for b in self._bases() for n in (_FOLDER, _ARCHIVE)]
        raise DatasetError(f"CIFAR10 not found: looked for {', '.join(looked)}. Pass download=True to download it.")

    @staticmethod
    def _read_file(path: str) -> tuple[str, bytes]:
        try:
            with open(path, "rb") as fh:
                return path, fh.read()
        except FileNotFoundError:
            raise DatasetError(
                f"{path} is missing: the CIFAR-10 folder is incomplete (pass download=True to fetch the data set again)"
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
                    if folder == _FOLDER and name in wanted and member.isfile():
                        out[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
        except (tarfile.TarError, EOFError, OSError) as err:
            raise DatasetError(
                f"{archive}: not a readable .tar.gz archive ({type(err).__name__}: {err}); the file "
                "is truncated or corrupted"
            ) from None
        return out

    @staticmethod
    def _member(archive: str, members: dict[str, bytes], name: str) -> bytes:
        if name not in members:
            raise DatasetError(f"{archive}: has no {_FOLDER}/{name}; expected the CIFAR-10 python archive")
        return members[name]

    def download(self) -> None:
        """Fetch the tarball into ``root`` (checking its MD5); extract the batches into ``root/cifar-10-batches-py``."""
        folder = os.path.join(self.root, _FOLDER)
        if self._check_exists():
            return
        archive = os.path.join(self.root, _ARCHIVE)
        files.download(self.url, archive, self.tgz_md5)
        members = self._read_archive(archive)
        os.makedirs(folder, exist_ok=True)
        for name, data in members.items():
            files.write_atomic(os.path.join(folder, name), data)
