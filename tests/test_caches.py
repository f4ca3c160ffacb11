"""The library's global state: every cache declared in minitorch/caches.py, bounded, and cleared by clear_all()."""

from __future__ import annotations

import ast
import pathlib

import numpy as np

import minitorch
from minitorch import caches
from minitorch.caches import BoundedCache


def test_a_bounded_cache_starts_over_when_full() -> None:
    cache = BoundedCache("test", 2, "numbers")
    for k in range(3):
        assert cache.put(k, str(k)) == str(k)
    assert dict(cache) == {2: "2"}
    unbounded = BoundedCache("test", None, "numbers")
    for k in range(100):
        unbounded.put(k, k)
    assert len(unbounded) == 100


def test_a_training_step_fills_the_caches_and_clear_all_empties_them() -> None:
    caches.clear_all()
    assert all(len(c) == 0 for c in caches.ALL)
    x = minitorch.randn(2, 1, 80, 80)
    conv = minitorch.nn.Conv2d(1, 2, 3)
    y = minitorch.nn.functional.max_pool2d(minitorch.relu(conv(x)), 2)  # (the plain relu of 2*78*78 fills a zero)
    minitorch.clamp(x, max=1e30)  # clamp's bound is checked against float32's limit
    minitorch.clamp(x.half(), min=0.0)  # a filled bound (float16: the plain clamp, numba or not)
    minitorch.clamp(x, min=0)  # an integer lower bound, kept as a 0-d array
    minitorch.randn(64, 1000).mm(minitorch.randn(1000, 100))  # a product worth blocks: its plan (or its absence)
    filled = {c.name for c in caches.ALL if len(c)}
    assert filled == {c.name for c in caches.ALL}
    caches.clear_all()
    assert all(len(c) == 0 for c in caches.ALL)
    again = minitorch.nn.functional.max_pool2d(minitorch.relu(conv(x)), 2)  # refills, same result
    np.testing.assert_array_equal(again.detach().numpy(), y.detach().numpy())


def test_a_cached_clamp_bound_is_shared_read_only_and_keyed_by_dtype() -> None:
    caches.clear_all()
    x32, x64 = minitorch.tensor([-1.5, 0.5]), minitorch.tensor([-1.5, 0.5], dtype=minitorch.float64)
    for x in (x32, x64, x32):
        np.testing.assert_array_equal(x.clamp(min=0).numpy(), np.array([0.0, 0.5]))
        np.testing.assert_array_equal(x.clamp(min=1).numpy(), np.array([1.0, 1.0]))
    bounds = caches.CLAMP_BOUNDS
    assert sorted((k[0], str(k[1])) for k in bounds) == [(0, "float32"), (0, "float64"), (1, "float32"), (1, "float64")]
    assert all(not b.flags.writeable and b.ndim == 0 and b.dtype == k[1] for k, b in bounds.items())


def test_each_cache_has_a_limit_or_says_why_not() -> None:
    for cache in caches.ALL:
        assert cache.name and cache.holds
        assert cache.limit is not None or cache is caches.FLOAT_LIMITS  # one entry per dtype at most


def test_no_module_keeps_a_cache_of_its_own() -> None:
    """A module-level container that starts empty is a cache (or other global state): it belongs in caches.py."""
    root = pathlib.Path(minitorch.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            value = getattr(node, "value", None)
            empty = (
                (isinstance(value, ast.Dict) and not value.keys)
                or (isinstance(value, ast.List) and not value.elts)
                or (isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("dict", "list", "OrderedDict"))
            )
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and empty:
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not found, found
