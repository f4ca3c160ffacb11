"""minitorch.vision.datasets: IDX and CIFAR-10 files written here (gzipped and raw), their corruptions, downloads,
the real Debian Fashion-MNIST when installed, and the DataLoader's batched path over them."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest
from PIL import Image

import minitorch
from minitorch.utils.data import DataLoader, default_collate
from minitorch.vision import datasets
from minitorch.vision import transforms as T
from minitorch.vision.datasets import CIFAR10, MNIST, DatasetError, FashionMNIST, files

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"
N_TRAIN, N_TEST = 12, 5


@pytest.fixture(autouse=True)
def no_system_dirs(monkeypatch):
    """Files written by a test are the only ones found (the Debian copy has its own test below)."""
    for cls in (MNIST, FashionMNIST, CIFAR10):
        monkeypatch.setattr(cls, "system_dirs", [])


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def write(path, data: bytes, gz: bool) -> str:
    path = f"{path}.gz" if gz else str(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(data) if gz else data)
    return path


def make_split(folder, prefix: str, n: int, gz: bool, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    write(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), idx_bytes(images, 2051), gz)
    write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), idx_bytes(labels, 2049), gz)
    return images, labels


# ------------------------------------------------------------------ MNIST-format files
@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "raw"])
@pytest.mark.parametrize("layout", ["{root}/{cls}/raw", "{root}/{cls}", "{root}"])
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_idx_files_load(tmp_path, cls, layout, gz):
    folder = layout.format(root=tmp_path, cls=cls.__name__)
    images, labels = make_split(folder, "train", N_TRAIN, gz)
    make_split(folder, "t10k", N_TEST, gz, seed=1)
    ds = cls(str(tmp_path), train=True)
    assert len(ds) == N_TRAIN and ds.data.dtype == minitorch.uint8 and ds.targets.dtype == minitorch.int64
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and target == int(labels[3]) and type(target) is int
    np.testing.assert_array_equal(np.asarray(img), images[3])
    assert len(cls(str(tmp_path), train=False)) == N_TEST and len(ds.classes) == 10


def test_transforms_are_applied_per_sample(tmp_path):
    images, labels = make_split(tmp_path, "train", N_TRAIN, True)
    ds = MNIST(tmp_path, transform=T.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[2]
    assert tuple(x.shape) == (1, 28, 28) and x.dtype == minitorch.float32 and y == labels[2] + 100
    np.testing.assert_allclose(x.numpy()[0], images[2] / 255, rtol=1e-6)


def corrupt(kind: str, folder) -> tuple:
    """Write a test split with one defect; return the expected message pattern."""
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, N_TRAIN, dtype=np.uint8)
    img, lbl = idx_bytes(images, 2051), idx_bytes(labels, 2049)
    gz = True
    if kind == "truncated":
        img, pattern = img[:-100], r"t10k-images-idx3-ubyte.*bytes, expected 9424 .*12 images.*truncated"
    elif kind == "trailing":
        img, pattern = img + b"\0" * 5, r"t10k-images.*trailing bytes"
    elif kind == "truncated header":
        img, pattern = img[:10], r"too short for the 16-byte header"
    elif kind == "bad magic":
        img, pattern = struct.pack(">I", 2049) + img[4:], r"t10k-images.*magic number 2049.*expected 2051"
    elif kind == "wrong dims":
        img, pattern = idx_bytes(images.reshape(N_TRAIN, 14, 56), 2051), r"images of 14x56, expected 28x28"
    elif kind == "label out of range":
        labels[7] = 10
        lbl, pattern = idx_bytes(labels, 2049), r"t10k-labels.*label 10 at index 7 is out of range 0..9"
    elif kind == "count mismatch":
        lbl, pattern = idx_bytes(labels[:-1], 2049), r"holds 12 images but .*t10k-labels.* holds 11 labels"
    elif kind == "truncated gzip":
        gz, pattern = False, r"t10k-images.*gzip stream ends early"
        write(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), gzip.compress(img)[:-30], False)
    elif kind == "corrupted gzip":
        gz, pattern = False, r"t10k-images.*not a valid gzip file"
        data = bytearray(gzip.compress(img))
        data[-6] ^= 0xFF  # inside the stored CRC-32/size trailer
        write(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), bytes(data), False)
    elif kind == "checksum":  # the canonical size, but not the canonical content
        images = np.zeros((10000, 28, 28), dtype=np.uint8)
        img, lbl = idx_bytes(images, 2051), idx_bytes(np.zeros(10000, np.uint8), 2049)
        gz, pattern = False, r"t10k-images-idx3-ubyte: the decompressed content has MD5 .*expected 8181f547"
        write(os.path.join(folder, "t10k-images-idx3-ubyte"), img, False)
    else:
        raise AssertionError(kind)
    if kind not in ("truncated gzip", "corrupted gzip", "checksum"):
        write(os.path.join(folder, "t10k-images-idx3-ubyte"), img, gz)
    write(os.path.join(folder, "t10k-labels-idx1-ubyte"), lbl, gz)
    return pattern


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "trailing",
        "truncated header",
        "bad magic",
        "wrong dims",
        "label out of range",
        "count mismatch",
        "truncated gzip",
        "corrupted gzip",
        "checksum",
    ],
)
def test_defective_idx_files_are_rejected(tmp_path, kind):
    pattern = corrupt(kind, tmp_path)
    with pytest.raises(DatasetError, match=pattern):
        FashionMNIST(tmp_path, train=False)
    assert issubclass(DatasetError, RuntimeError)


def test_missing_data_set_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetError, match=r"MNIST \(train-images-idx3-ubyte\) not found.*Pass download=True"):
        MNIST(tmp_path)
    with pytest.raises(DatasetError, match=r"CIFAR10 not found.*Pass download=True"):
        CIFAR10(tmp_path)


# ------------------------------------------------------------------ downloads (no network: file:// URLs)
@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local 'server' holding gzipped FashionMNIST files, with their MD5s as the published ones."""
    src = tmp_path / "server"
    resources = []
    for prefix, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        make_split(src, prefix, n, gz=True)
        for part in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{part}-ubyte.gz"
            resources.append((name, hashlib.md5((src / name).read_bytes()).hexdigest()))
    monkeypatch.setattr(FashionMNIST, "mirrors", [src.as_uri() + "/"])
    monkeypatch.setattr(FashionMNIST, "resources", resources)
    return src


def test_download_fetches_verifies_and_loads(tmp_path, mirror):
    root = tmp_path / "data"
    ds = FashionMNIST(root, train=False, download=True)
    assert len(ds) == N_TEST
    assert sorted(os.listdir(root / "FashionMNIST" / "raw")) == sorted(name for name, _ in FashionMNIST.resources)


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, mirror, monkeypatch):
    bad = [(name, "0" * 32) for name, _ in FashionMNIST.resources]
    monkeypatch.setattr(FashionMNIST, "resources", bad)
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz: MD5 [0-9a-f]{32}, expected 0{32}"):
        FashionMNIST(tmp_path / "data", download=True)
    assert os.listdir(tmp_path / "data" / "FashionMNIST" / "raw") == []


def test_download_failure_is_a_dataset_error(tmp_path, monkeypatch):
    def offline(url):
        raise OSError("network is unreachable")

    monkeypatch.setattr(files, "urlopen", offline)
    with pytest.raises(DatasetError, match=r"could not download train-images-idx3-ubyte.gz.*unreachable"):
        MNIST(tmp_path, download=True)


# ------------------------------------------------------------------ the real Fashion-MNIST (Debian package)
@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION), reason="dataset-fashion-mnist is not installed")
@pytest.mark.parametrize("train,n", [(True, 60000), (False, 10000)])
def test_debian_fashion_mnist(tmp_path, monkeypatch, train, n):
    monkeypatch.setattr(FashionMNIST, "system_dirs", [DEBIAN_FASHION])
    ds = FashionMNIST(tmp_path, train=train)
    assert len(ds) == n and tuple(ds.data.shape) == (n, 28, 28) and tuple(ds.targets.shape) == (n,)
    assert ds.classes[0] == "T-shirt/top" and ds.classes[9] == "Ankle boot"
    assert np.bincount(ds.targets.numpy(), minlength=10).tolist() == [n // 10] * 10  # the classes are balanced


# ------------------------------------------------------------------ CIFAR-10
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def cifar_batch(n: int, seed: int, protocol: int, labels=None) -> bytes:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).tolist() if labels is None else labels
    return pickle.dumps(
        {
            "batch_label": f"batch {seed}",
            "labels": labels,
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "filenames": [f"img{i}.png" for i in range(n)],
        },
        protocol=protocol,
    )


def cifar_files(protocol: int = 2) -> dict:
    out = {f"data_batch_{k}": cifar_batch(3, k, protocol) for k in range(1, 6)}
    out["test_batch"] = cifar_batch(4, 9, protocol)
    out["batches.meta"] = pickle.dumps({"label_names": CLASSES, "num_vis": 3072}, protocol=protocol)
    return out


def write_cifar(root, members: dict, as_tar: bool) -> None:
    os.makedirs(root, exist_ok=True)
    if as_tar:
        with tarfile.open(os.path.join(root, "cifar-10-python.tar.gz"), "w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    else:
        for name, data in members.items():
            write(os.path.join(root, "cifar-10-batches-py", name), data, False)


@pytest.mark.parametrize("as_tar", [False, True], ids=["folder", "tarball"])
@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar_loads(tmp_path, protocol, as_tar):
    members = cifar_files(protocol)
    write_cifar(tmp_path, members, as_tar)
    ds = CIFAR10(tmp_path, train=True)
    assert len(ds) == 15 and ds.data.shape == (15, 32, 32, 3) and ds.classes == CLASSES
    row = pickle.loads(members["data_batch_2"])["data"][1]  # the fifth image overall
    np.testing.assert_array_equal(ds.data[4], row.reshape(3, 32, 32).transpose(1, 2, 0))
    img, target = ds[4]
    assert isinstance(img, Image.Image) and img.mode == "RGB"
    assert target == pickle.loads(members["data_batch_2"])["labels"][1]
    assert len(CIFAR10(tmp_path, train=False)) == 4


class Exploit:
    def __reduce__(self):
        return (os.mkdir, ("/tmp/minitorch-cifar-exploit-ran",))


@pytest.mark.parametrize(
    "defect,pattern",
    [
        ("truncated", r"data_batch_1: not a readable CIFAR-10 pickle"),
        ("code", r"data_batch_1: .*global 'posix.mkdir' is not allowed"),
        ("label out of range", r"data_batch_1: label 10 at index 1 is out of range 0..9"),
        (
            "wrong shape",
            r"data_batch_1: 'data' should be a uint8 array of shape \(N, 3072\), found a uint8 array of "
            r"shape \(2, 100\)",
        ),
        ("missing", r"data_batch_3 is missing"),
    ],
)
def test_defective_cifar_files_are_rejected(tmp_path, defect, pattern):
    members = cifar_files()
    if defect == "truncated":
        members["data_batch_1"] = members["data_batch_1"][:500]
    elif defect == "code":
        members["data_batch_1"] = pickle.dumps({"data": Exploit(), "labels": []}, protocol=2)
    elif defect == "label out of range":
        members["data_batch_1"] = cifar_batch(3, 1, 2, labels=[0, 10, 3])
    elif defect == "wrong shape":
        members["data_batch_1"] = pickle.dumps({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]})
    else:
        del members["data_batch_3"]
    write_cifar(tmp_path, members, as_tar=False)
    with pytest.raises(DatasetError, match=pattern):
        CIFAR10(tmp_path, train=True)
    assert not os.path.exists("/tmp/minitorch-cifar-exploit-ran")


def test_cifar_canonical_batch_checksum(tmp_path):
    members = cifar_files()
    members["test_batch"] = cifar_batch(10000, 0, 2)
    write_cifar(tmp_path, members, as_tar=False)
    with pytest.raises(DatasetError, match=r"test_batch: the batch has MD5 .*expected 40351d587109b95175f43aff81a12"):
        CIFAR10(tmp_path, train=False)


def test_cifar_download_extracts_the_batches(tmp_path, monkeypatch):
    src = tmp_path / "server"
    write_cifar(src, cifar_files(), as_tar=True)
    archive = src / "cifar-10-python.tar.gz"
    monkeypatch.setattr(CIFAR10, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", hashlib.md5(archive.read_bytes()).hexdigest())
    ds = CIFAR10(tmp_path / "data", train=False, download=True)
    assert len(ds) == 4 and len(os.listdir(tmp_path / "data" / "cifar-10-batches-py")) == 7


# ------------------------------------------------------------------ DataLoader over vision datasets
PIPELINES = {
    "none": None,
    "to_tensor": T.ToTensor(),
    "normalize": T.Compose([T.ToTensor(), T.Normalize((0.5, 0.25, 0.1), (0.2, 0.3, 0.4))]),
}


@pytest.mark.parametrize("pipeline", list(PIPELINES))
@pytest.mark.parametrize("which", ["mnist", "cifar"])
def test_batched_path_equals_per_sample_path(tmp_path, which, pipeline):
    transform = PIPELINES[pipeline]
    if which == "mnist":
        make_split(tmp_path, "train", N_TRAIN, True)
        if transform is not None and pipeline == "normalize":
            transform = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.2,))])
        ds = MNIST(tmp_path, transform=transform)
    else:
        write_cifar(tmp_path, cifar_files(), as_tar=False)
        ds = CIFAR10(tmp_path, transform=transform)
    assert ds._batchable()
    sampler = [7, 0, 3, 11, 5, 2, 9]
    fast = list(DataLoader(ds, batch_size=3, sampler=sampler))
    if transform is None:  # PIL images have no collation; compare with the arrays they hold
        slow = [
            [
                minitorch.from_numpy(np.stack([np.asarray(ds[i][0]) for i in chunk])),
                minitorch.tensor([ds[i][1] for i in chunk]),
            ]
            for chunk in ([7, 0, 3], [11, 5, 2], [9])
        ]
    else:
        slow = list(DataLoader(ds, batch_size=3, sampler=sampler, collate_fn=lambda b: default_collate(b)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype and fx.shape == sx.shape and fy.dtype == sy.dtype == minitorch.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


@pytest.mark.parametrize(
    "transform,target_transform",
    [
        (T.Compose([T.ToTensor(), T.Lambda(lambda x: x)]), None),
        (T.Compose([T.RandomHorizontalFlip(), T.ToTensor()]), None),
        (T.ToTensor(), lambda y: y),
        (type("MyToTensor", (T.ToTensor,), {"__call__": lambda self, pic: T.ToTensor()(pic) * 2})(), None),
    ],
)
def test_per_sample_transforms_are_not_batched(tmp_path, transform, target_transform):
    make_split(tmp_path, "train", N_TRAIN, True)
    assert not MNIST(tmp_path, transform=transform, target_transform=target_transform)._batchable()


def test_vision_datasets_export():
    assert {"MNIST", "FashionMNIST", "CIFAR10", "DatasetError"} <= set(datasets.__all__)
