"""minitorch.vision.datasets beyond MNIST and CIFAR-10: ImageFolder / DatasetFolder over image trees written here
with Pillow, FakeData, CIFAR-100 from a locally built archive in the real format, and KMNIST's IDX files; and a
DataLoader over an ImageFolder with random transforms."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from PIL import Image

import minitorch
from minitorch.utils.data import DataLoader
from minitorch.vision import datasets
from minitorch.vision import transforms as T
from minitorch.vision.datasets import CIFAR100, KMNIST, DatasetError, DatasetFolder, FakeData, ImageFolder
from minitorch.vision.datasets.folder import find_classes, has_file_allowed_extension, make_dataset

from .test_vision_datasets import make_split

LAYOUT = {  # class -> files (a nested folder, an upper-case extension and files that are not images)
    "cat": ["b.png", "a.JPG", "sub/c.png", "notes.txt"],
    "dog": ["z.bmp", "y.png"],
    "emu": ["e.jpeg"],
}


def write_tree(root, layout=LAYOUT, size=(6, 5)) -> dict:
    """Write a small RGB image (or text) per file; return path -> pixel array of the images."""
    pixels = {}
    for k, (cls, names) in enumerate(sorted(layout.items())):
        for n, name in enumerate(names):
            path = os.path.join(root, cls, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if name.endswith(".txt"):
                with open(path, "w") as fh:
                    fh.write("not an image")
                continue
            arr = np.full((size[1], size[0], 3), 10 * k + n, np.uint8)
            arr[0, 0] = (k, n, 200)
            fmt = {"jpg": "PNG", "jpeg": "PNG"}.get(name.rsplit(".", 1)[1].lower())  # lossless content in any name
            Image.fromarray(arr).save(path, format=fmt)
            pixels[path] = arr
    return pixels


# ------------------------------------------------------------------ ImageFolder
def test_image_folder_classes_samples_targets(tmp_path):
    pixels = write_tree(tmp_path)
    ds = ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog", "emu"] and ds.class_to_idx == {"cat": 0, "dog": 1, "emu": 2}
    rel = [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples]
    # sorted by class, then by directory walk (files of a folder before its sub-folders'), then by name
    assert rel == [
        ("cat/a.JPG", 0),
        ("cat/b.png", 0),
        ("cat/sub/c.png", 0),
        ("dog/y.png", 1),
        ("dog/z.bmp", 1),
        ("emu/e.jpeg", 2),
    ]
    assert ds.targets == [0, 0, 0, 1, 1, 2] and ds.imgs is ds.samples and len(ds) == 6
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and target == 1
    assert np.array_equal(np.asarray(img), pixels[ds.samples[3][0]])
    assert repr(ds).splitlines()[:3] == [
        "Dataset ImageFolder",
        "    Number of datapoints: 6",
        f"    Root location: {tmp_path}",
    ]


def test_image_folder_converts_to_rgb_and_applies_transforms(tmp_path):
    os.makedirs(tmp_path / "a")
    gray = np.arange(30, dtype=np.uint8).reshape(5, 6)
    Image.fromarray(gray).save(tmp_path / "a" / "g.png")
    ds = ImageFolder(tmp_path, transform=T.ToTensor(), target_transform=lambda t: t + 10)
    x, y = ds[0]
    assert y == 10 and tuple(x.shape) == (3, 5, 6) and x.dtype == minitorch.float32
    np.testing.assert_array_equal(x.numpy(), np.stack([gray] * 3).astype(np.float32) / np.float32(255))


def test_is_valid_file_and_custom_loader(tmp_path):
    write_tree(tmp_path)
    ds = ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in ds.samples] == ["b.png", "c.png", "y.png"]
    texts = DatasetFolder(tmp_path, loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True)
    assert len(texts) == 1 and texts[0] == ("not an image", 0) and texts.extensions == (".txt",)
    assert has_file_allowed_extension("X.PNG", (".png",)) and not has_file_allowed_extension("x.png.txt", ".png")


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        ImageFolder(tmp_path)
    os.makedirs(tmp_path / "full")
    os.makedirs(tmp_path / "empty")
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / "full" / "x.png")
    (tmp_path / "empty" / "readme.txt").write_text("no images")
    with pytest.raises(
        FileNotFoundError, match=r"Found no valid file for the classes empty\. Supported extensions are: .jpg, "
    ):
        ImageFolder(tmp_path)
    assert len(ImageFolder(tmp_path, allow_empty=True)) == 1
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        DatasetFolder(tmp_path, loader=print)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        make_dataset(tmp_path, extensions=(".png",), is_valid_file=bool)
    with pytest.raises(ValueError, match="'class_to_index' must have at least one entry"):
        make_dataset(tmp_path, {}, extensions=(".png",))
    assert find_classes(tmp_path) == (["empty", "full"], {"empty": 0, "full": 1})


def test_find_classes_can_be_overridden(tmp_path):
    write_tree(tmp_path)

    class OnlyDogs(ImageFolder):
        def find_classes(self, directory):
            return ["dog"], {"dog": 7}

    ds = OnlyDogs(tmp_path)
    assert ds.classes == ["dog"] and ds.targets == [7, 7]


@pytest.mark.parametrize("shuffle", [False, True])
def test_dataloader_over_image_folder(tmp_path, shuffle):
    write_tree(tmp_path, size=(20, 16))
    transform = T.Compose(
        [
            T.RandomResizedCrop(8, scale=(0.5, 1.0)),
            T.RandomHorizontalFlip(),
            T.ColorJitter(0.2, 0.2, 0.2, 0.05),
            T.ToTensor(),
            T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        ]
    )
    ds = ImageFolder(tmp_path, transform=transform)
    assert not ds._batchable()

    def epoch():
        minitorch.manual_seed(1)
        return list(DataLoader(ds, batch_size=4, shuffle=shuffle))

    batches = epoch()
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3, 8, 8), (2, 3, 8, 8)]
    assert all(x.dtype == minitorch.float32 and y.dtype == minitorch.int64 for x, y in batches)
    labels = [int(v) for _, y in batches for v in y.tolist()]
    assert sorted(labels) == [0, 0, 0, 1, 1, 2] and (shuffle or labels == [0, 0, 0, 1, 1, 2])
    values = np.concatenate([x.numpy().ravel() for x, _ in batches])
    assert values.min() >= -1.0 and values.max() <= 1.0
    again = epoch()
    assert all(
        np.array_equal(a.numpy(), b.numpy()) and a2.tolist() == b2.tolist() for (a, a2), (b, b2) in zip(batches, again)
    )
    if shuffle:
        orders = set()
        for seed in range(6):
            minitorch.manual_seed(seed)
            orders.add(tuple(v for _, y in DataLoader(ds, batch_size=6, shuffle=True) for v in y.tolist()))
        assert len(orders) > 1


# ------------------------------------------------------------------ FakeData
def test_fake_data_is_deterministic_per_index():
    ds = FakeData(size=5, image_size=(3, 6, 4), num_classes=3, transform=T.ToTensor(), random_offset=2)
    minitorch.manual_seed(123)
    state = minitorch.get_rng_state()
    x, y = ds[1]
    assert minitorch.get_rng_state() == state  # reading a sample leaves the global generator alone
    assert tuple(x.shape) == (3, 6, 4) and type(y) is int and 0 <= y < 3
    x2, y2 = ds[1]
    assert np.array_equal(x.numpy(), x2.numpy()) and y == y2
    assert not np.array_equal(x.numpy(), ds[2][0].numpy())
    # sample i is what manual_seed(i + offset), randn, randint give
    minitorch.manual_seed(1 + 2)
    noise = minitorch.randn(3, 6, 4)
    label = int(minitorch.randint(0, 3, (1,))[0])
    assert y == label
    np.testing.assert_array_equal(x.numpy(), T.ToTensor()(T.ToPILImage()(noise)).numpy())
    assert {FakeData(size=40, num_classes=4, image_size=(1, 2, 2))[i][1] for i in range(40)} == {0, 1, 2, 3}
    img, _ = FakeData(size=1, image_size=(1, 3, 3))[0]
    assert isinstance(img, Image.Image) and img.mode == "L"
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[5]
    assert len(ds) == 5 and FakeData(target_transform=lambda t: t * 0 + 9)[0][1] == 9


# ------------------------------------------------------------------ CIFAR-100 (the python version's files)
FINE = [f"fine{i:02d}" for i in range(100)]
COARSE = [f"coarse{i:02d}" for i in range(20)]


@pytest.fixture(autouse=True)
def no_system_dirs(monkeypatch):
    monkeypatch.setattr(CIFAR100, "system_dirs", [])


def cifar100_batch(n: int, seed: int, fine=None) -> bytes:
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 100, n).tolist() if fine is None else fine
    return pickle.dumps(
        {
            "filenames": [f"img{i}.png" for i in range(n)],
            "batch_label": f"batch {seed}",
            "fine_labels": fine,
            "coarse_labels": [f // 5 for f in fine],
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        },
        protocol=2,
    )


def cifar100_files() -> dict:
    meta = pickle.dumps({"fine_label_names": FINE, "coarse_label_names": COARSE}, protocol=2)
    return {"train": cifar100_batch(7, 1), "test": cifar100_batch(3, 2), "meta": meta}


def write_cifar100(root, members: dict, as_tar: bool) -> None:
    os.makedirs(root, exist_ok=True)
    if as_tar:
        with tarfile.open(os.path.join(root, "cifar-100-python.tar.gz"), "w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(f"cifar-100-python/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return
    os.makedirs(os.path.join(root, "cifar-100-python"), exist_ok=True)
    for name, data in members.items():
        with open(os.path.join(root, "cifar-100-python", name), "wb") as fh:
            fh.write(data)


@pytest.mark.parametrize("as_tar", [False, True], ids=["folder", "tarball"])
def test_cifar100_loads_fine_labels(tmp_path, as_tar):
    members = cifar100_files()
    write_cifar100(tmp_path, members, as_tar)
    ds = CIFAR100(tmp_path, train=True, transform=T.ToTensor())
    batch = pickle.loads(members["train"])
    assert len(ds) == 7 and ds.data.shape == (7, 32, 32, 3) and ds.classes == FINE and len(ds.class_to_idx) == 100
    assert ds.targets == batch["fine_labels"]
    np.testing.assert_array_equal(ds.data[5], batch["data"][5].reshape(3, 32, 32).transpose(1, 2, 0))
    x, y = ds[5]
    assert tuple(x.shape) == (3, 32, 32) and y == batch["fine_labels"][5]
    assert len(CIFAR100(tmp_path, train=False)) == 3
    loader = DataLoader(CIFAR100(tmp_path, transform=T.ToTensor()), batch_size=4)
    assert [tuple(x.shape) for x, _ in loader] == [(4, 3, 32, 32), (3, 3, 32, 32)]


def test_cifar100_integrity(tmp_path):
    members = cifar100_files()
    members["train"] = cifar100_batch(3, 1, fine=[4, 100, 2])
    write_cifar100(tmp_path / "bad", members, as_tar=False)
    with pytest.raises(DatasetError, match=r"train: label 100 at index 1 is out of range 0..99"):
        CIFAR100(tmp_path / "bad")
    members = cifar100_files()
    members["test"] = cifar100_batch(10000, 0)  # the canonical size: compared with the published MD5
    write_cifar100(tmp_path / "fake", members, as_tar=False)
    with pytest.raises(DatasetError, match=r"test: the batch has MD5 .*expected f0ef6b0ae62326f3e7ffdfab6717acfc"):
        CIFAR100(tmp_path / "fake", train=False)
    members = cifar100_files()
    members["train"] = pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": [0]})  # a CIFAR-10 batch
    write_cifar100(tmp_path / "ten", members, as_tar=False)
    with pytest.raises(DatasetError, match=r"expected a dict with 'data' and 'fine_labels'"):
        CIFAR100(tmp_path / "ten")
    with pytest.raises(DatasetError, match=r"CIFAR100 not found: .*cifar-100-python.tar.gz"):
        CIFAR100(tmp_path / "nothing")


def test_cifar100_download(tmp_path, monkeypatch):
    src = tmp_path / "server"
    write_cifar100(src, cifar100_files(), as_tar=True)
    archive = src / "cifar-100-python.tar.gz"
    monkeypatch.setattr(CIFAR100, "url", archive.as_uri())
    monkeypatch.setattr(CIFAR100, "tgz_md5", hashlib.md5(archive.read_bytes()).hexdigest())
    ds = CIFAR100(tmp_path / "data", train=False, download=True)
    assert len(ds) == 3 and sorted(os.listdir(tmp_path / "data" / "cifar-100-python")) == ["meta", "test", "train"]
    assert CIFAR100.tgz_md5 != "eb9058c3a382ffc7106e4002c42a8d85"  # (patched; the class keeps torchvision's)


def test_cifar100_keeps_torchvisions_layout_and_checksums():
    assert (CIFAR100.base_folder, CIFAR100.filename) == ("cifar-100-python", "cifar-100-python.tar.gz")
    assert CIFAR100.url == "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    assert CIFAR100.tgz_md5 == "eb9058c3a382ffc7106e4002c42a8d85"
    assert CIFAR100.train_list == [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    assert CIFAR100.test_list == [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    assert CIFAR100.meta == {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}


# ------------------------------------------------------------------ KMNIST
def test_kmnist_reads_idx_files(tmp_path):
    images, labels = make_split(tmp_path / "KMNIST" / "raw", "train", 9, gz=True)
    ds = KMNIST(tmp_path)
    assert len(ds) == 9 and ds.classes[:3] == ["o", "ki", "su"] and ds.targets.tolist() == labels.tolist()
    np.testing.assert_array_equal(np.asarray(ds[4][0]), images[4])
    assert KMNIST.mirrors == ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    assert dict(KMNIST.resources)["t10k-labels-idx1-ubyte.gz"] == "7320c461ea6c1c855c0b718fb2a4b134"


def test_exports():
    assert {"ImageFolder", "DatasetFolder", "FakeData", "CIFAR100", "KMNIST"} <= set(datasets.__all__)
    assert ".webp" in datasets.IMG_EXTENSIONS
