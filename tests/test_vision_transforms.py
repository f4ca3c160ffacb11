"""minitorch.vision.transforms and make_grid against hand-computed values and torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import minitorch
from minitorch.vision import transforms as T
from minitorch.vision.utils import make_grid

RNG = np.random.default_rng(0)
GRAY = RNG.integers(0, 256, (5, 7), dtype=np.uint8)
RGB = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)


def as_input(arr: np.ndarray, kind: str):
    return Image.fromarray(arr) if kind == "pil" else arr


# ------------------------------------------------------------------ ToTensor / Normalize
@pytest.mark.parametrize("kind", ["pil", "array"])
@pytest.mark.parametrize("arr", [GRAY, RGB], ids=["gray", "rgb"])
def test_to_tensor_matches_torch(arr, kind):
    got = T.ToTensor()(as_input(arr, kind))
    chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    want = torch.from_numpy(np.ascontiguousarray(chw)).float().div(255)
    assert got.dtype == minitorch.float32 and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.numpy()[0, 0, 0] == np.float32(chw[0, 0, 0]) / np.float32(255)


def test_to_tensor_keeps_float_arrays_and_rejects_others():
    arr = np.arange(6, dtype=np.float64).reshape(2, 3)
    out = T.ToTensor()(arr)
    assert out.dtype == minitorch.float64 and out.tolist() == [[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]]
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)], ids=["image", "batch"])
def test_normalize_matches_torch(shape):
    x = RNG.random(shape, dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    got = T.Normalize(mean, std)(minitorch.tensor(x))
    want = (torch.tensor(x) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    assert got.dtype == minitorch.float32


def test_normalize_hand_values_and_inplace():
    x = minitorch.tensor([[[0.0, 1.0]], [[0.5, 0.25]]])
    out = T.Normalize((0.5, 0.25), (0.5, 0.25), inplace=True)(x)
    assert out is x and x.tolist() == [[[-1.0, 1.0]], [[1.0, 0.0]]]


def test_normalize_keeps_the_graph():
    x = minitorch.ones(1, 2, 2, requires_grad=True)
    T.Normalize((0.5,), (0.25,))(x).sum().backward()
    assert x.grad.tolist() == [[[4.0, 4.0], [4.0, 4.0]]]


@pytest.mark.parametrize(
    "tensor,std,error,match",
    [
        (minitorch.zeros(1, 2, 2, dtype=minitorch.uint8), (1.0,), TypeError, "should be a float tensor"),
        (minitorch.zeros(1, 2, 2), (0.0,), ValueError, "std evaluated to zero"),
        (minitorch.zeros(2, 2), (1.0,), ValueError, r"size \(..., C, H, W\)"),
    ],
)
def test_normalize_rejects(tensor, std, error, match):
    with pytest.raises(error, match=match):
        T.Normalize((0.0,), std)(tensor)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize(
    "steps",
    [
        lambda c: [T.ToTensor(), T.Normalize((0.1, 0.2, 0.3)[:c], (0.3, 0.2, 0.1)[:c])],
        lambda c: [T.Pad(2), T.ToTensor(), T.Normalize((0.5,) * c, (0.2,) * c)],
        lambda c: [T.Pad((1, 2), fill=(7, 8, 9)[:c] if c == 3 else 7), T.ToTensor(), T.Pad((0, 1, 2, 3), fill=0.5)],
        lambda c: [T.Pad(1, padding_mode="reflect"), T.ToTensor()],
    ],
    ids=["normalize", "pad-normalize", "pad-fill", "pad-reflect"],
)
def test_batch_transform_equals_per_sample(steps, channels):
    shape = (4, 6, 5, 3) if channels == 3 else (4, 6, 5)
    images = RNG.integers(0, 256, shape, dtype=np.uint8)
    pipeline = T.Compose(steps(channels))
    assert T._can_batch(pipeline)
    batch = T._apply_batch(pipeline, images)
    np.testing.assert_array_equal(batch.numpy(), np.stack([pipeline(Image.fromarray(i)).numpy() for i in images]))


@pytest.mark.parametrize(
    "steps",
    [
        [T.Normalize((0.5,), (0.5,))],
        [T.ToTensor(), T.ToTensor()],
        [T.ToTensor(), T.RandomCrop(3)],
        [T.RandomHorizontalFlip(), T.ToTensor()],
    ],
)
def test_batch_transform_refuses_other_pipelines(steps):
    assert not T._can_batch(T.Compose(steps))


# ------------------------------------------------------------------ Pad, crops, flips
SMALL = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)


@pytest.mark.parametrize("padding", [1, (2, 1), (1, 0, 2, 1)], ids=["int", "lr-tb", "ltrb"])
@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")])
def test_pad_matches_torch(padding, mode, torch_mode):
    l, t, r, b = T._pad_widths(padding)
    x = minitorch.tensor(SMALL.astype(np.float32)[None])
    want = F.pad(torch.tensor(SMALL.astype(np.float32))[None, None], (l, r, t, b), mode=torch_mode)[0]
    got = T.Pad(padding, padding_mode=mode)(x)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(
        np.asarray(T.Pad(padding, padding_mode=mode)(Image.fromarray(SMALL))), want[0].numpy().astype(np.uint8)
    )


def test_pad_symmetric_and_fill_by_hand():
    assert np.asarray(T.Pad((2, 0), padding_mode="symmetric")(SMALL)).tolist() == [
        [2, 1, 1, 2, 3, 3, 2],
        [5, 4, 4, 5, 6, 6, 5],
    ]
    rgb = T.Pad(1, fill=(9, 8, 7))(Image.fromarray(np.zeros((1, 1, 3), np.uint8)))
    arr = np.asarray(rgb)
    assert arr.shape == (3, 3, 3) and arr[0, 0].tolist() == [9, 8, 7] and arr[1, 1].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.Pad(1, padding_mode="wrap")


def windows(padded: np.ndarray, size: int) -> list:
    h, w = padded.shape[:2]
    return [padded[i : i + size, j : j + size] for i in range(h - size + 1) for j in range(w - size + 1)]


def test_random_crop_takes_every_window_reproducibly():
    crop = T.RandomCrop(5, padding=1)
    padded = np.pad(GRAY[:, :5], 1)
    minitorch.manual_seed(0)
    first = [np.asarray(crop(Image.fromarray(GRAY[:, :5]))) for _ in range(60)]
    minitorch.manual_seed(0)
    again = [np.asarray(crop(Image.fromarray(GRAY[:, :5]))) for _ in range(60)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    hits = [next(k for k, w in enumerate(windows(padded, 5)) if np.array_equal(w, c)) for c in first]
    assert sorted(set(hits)) == list(range(9))  # all 3x3 offsets occur, and nothing else


def test_random_crop_shapes_and_errors():
    out = T.RandomCrop((3, 4))(minitorch.tensor(RNG.random((2, 5, 7), dtype=np.float32)))
    assert tuple(out.shape) == (2, 3, 4)
    assert T.RandomCrop(9, pad_if_needed=True)(GRAY).shape == (9, 9)
    with pytest.raises(ValueError, match=r"Required crop size \(6, 6\) is larger than input image size \(5, 7\)"):
        T.RandomCrop(6)(GRAY)


@pytest.mark.parametrize("kind", ["pil", "array", "tensor"])
def test_horizontal_flip(kind):
    img = minitorch.tensor(SMALL[None]) if kind == "tensor" else as_input(SMALL, kind)
    flipped = np.asarray(T.RandomHorizontalFlip(p=1.0)(img)).reshape(2, 3)
    assert flipped.tolist() == [[3, 2, 1], [6, 5, 4]]
    assert np.asarray(T.RandomHorizontalFlip(p=0.0)(img)).reshape(2, 3).tolist() == SMALL.tolist()


def test_half_flip_is_seeded_and_mixed():
    def draws():
        minitorch.manual_seed(3)
        return [np.asarray(T.RandomHorizontalFlip()(SMALL))[0, 0] == 3 for _ in range(40)]

    first = draws()
    assert first == draws() and 5 < sum(first) < 35


def test_center_crop_lambda_compose_resize():
    assert T.CenterCrop(2)(np.arange(16).reshape(4, 4)).tolist() == [[5, 6], [9, 10]]
    pipeline = T.Compose([T.Lambda(lambda a: a + 1), T.CenterCrop((1, 3))])
    assert pipeline(np.arange(9).reshape(3, 3)).tolist() == [[4, 5, 6]]
    assert "CenterCrop(size=(1, 3))" in repr(pipeline)
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)
    assert T.Resize(14)(Image.fromarray(np.zeros((28, 56), np.uint8))).size == (28, 14)
    assert T.Resize((10, 20))(Image.fromarray(GRAY)).size == (20, 10)


# ------------------------------------------------------------------ make_grid
def test_make_grid_layout_by_hand():
    images = minitorch.tensor(np.arange(1, 4, dtype=np.float32).reshape(3, 1, 1, 1) * np.ones((3, 1, 2, 2), np.float32))
    grid = make_grid(images, nrow=2, padding=1, pad_value=9.0)
    assert tuple(grid.shape) == (3, 7, 7)  # one channel repeated; 2 rows x 2 columns of 2x2 cells
    g = grid.numpy()[0]
    assert g[1:3, 1:3].tolist() == [[1, 1], [1, 1]] and g[1:3, 4:6].tolist() == [[2, 2], [2, 2]]
    assert g[4:6, 1:3].tolist() == [[3, 3], [3, 3]] and (g[4:6, 4:6] == 9).all() and (g[0] == 9).all()
    assert np.array_equal(grid.numpy()[0], grid.numpy()[2])


def test_make_grid_single_image_and_normalize():
    img = minitorch.tensor([[[2.0, 4.0], [6.0, 10.0]]])
    assert make_grid(img, normalize=True).numpy()[0].tolist() == [[0.0, 0.25], [0.5, 1.0]]
    clamped = make_grid(img, normalize=True, value_range=(4.0, 6.0)).numpy()[1]
    assert clamped.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    pair = minitorch.stack([img, img * 2])
    each = make_grid(pair, padding=0, normalize=True, scale_each=True).numpy()[0]
    assert each[:, :2].tolist() == each[:, 2:].tolist() == [[0.0, 0.25], [0.5, 1.0]]
    assert tuple(make_grid([img, img], padding=0).shape) == (3, 2, 4)
