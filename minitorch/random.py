"""minitorch's own random generator: reproducible after ``manual_seed``, independent of numpy's global state."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from . import dtypes
from .backend import CPU, all_backends, backend_for, device


class Generator:
    """A seeded source of random numbers (PCG64), like ``torch.Generator``."""

    def __init__(self, device: Any = "cpu") -> None:
        self._seed = 67280421310721  # torch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (an int; a negative one is taken modulo 2**64, as torch does)."""
        if not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not -(2**63) <= int(seed) < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = int(seed) % 2**64
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        s = int(cast(int, np.random.SeedSequence().entropy) % (2**63))  # fresh entropy: an int
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return dict(self._rng.bit_generator.state)  # numpy builds a new dict per read; its stubs say Mapping

    def set_state(self, state: dict) -> None:
        self._rng.bit_generator.state = state

    @property
    def rng(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed minitorch's default generator (and every device's own, the GPU's when present)."""
    seed = int(seed)  # as torch: 1.7 seeds with 1
    default_generator.manual_seed(seed)
    for b in all_backends():
        b.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).rng


# Samples are drawn by the backend of ``on`` (the host: from minitorch's generator; a GPU: its own).
def sample_uniform(
    shape: tuple, low: float, high: float, dtype: dtypes.dtype, generator: Generator | None = None, on: device = CPU
) -> Any:
    """U(low, high) samples of ``dtype`` on device ``on`` (drawn in float64, then cast)."""
    return backend_for(on).uniform(_rng(generator), tuple(shape), low, high).astype(dtype.np_dtype)


def sample_normal(
    shape: tuple, mean: float, std: float, dtype: dtypes.dtype, generator: Generator | None = None, on: device = CPU
) -> Any:
    """N(mean, std**2) samples of ``dtype`` on device ``on``."""
    return (backend_for(on).normal(_rng(generator), tuple(shape)) * std + mean).astype(dtype.np_dtype)


def sample_poisson(rates: Any, generator: Generator | None = None, on: device = CPU) -> Any:
    """float64 Poisson samples of ``rates`` (an array on device ``on``)."""
    return backend_for(on).poisson(_rng(generator), rates)


def sample_standard_gamma(concentration: Any, generator: Generator | None = None, on: device = CPU) -> Any:
    """float64 samples of Gamma(``concentration``, 1) (an array on device ``on``)."""
    return backend_for(on).standard_gamma(_rng(generator), concentration)


def sample_binomial(counts: Any, probs: Any, generator: Generator | None = None, on: device = CPU) -> Any:
    """float64 Binomial samples of ``counts`` trials of success ``probs`` (arrays of one shape on device ``on``)."""
    return backend_for(on).binomial(_rng(generator), counts, probs)


def sample_integers(shape: tuple, low: int, high: int, generator: Generator | None = None, on: device = CPU) -> Any:
    """int64 integers uniform on [low, high) on device ``on``."""
    return backend_for(on).integers(_rng(generator), tuple(shape), low, high)


def sample_permutation(n: int, generator: Generator | None = None) -> np.ndarray:
    return _rng(generator).permutation(n).astype(np.int64)


def check_integer_bounds(low: Any, high: Any, dt: dtypes.dtype) -> None:
    """torch's checks of random_/randint's [low, high) against the dtype the samples go into."""
    for v in (low, high):
        if not isinstance(v, (int, np.integer)):
            raise TypeError(f"random_(): from and to must be integers, not {type(v).__name__}")
        if not -(2**63) <= int(v) < 2**63:
            raise ValueError("Overflow when unpacking long long")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dt.is_floating_point:
        return
    lo, hi = (0, 1) if dt is dtypes.bool_ else (int(np.iinfo(dt.np_dtype).min), int(np.iinfo(dt.np_dtype).max))
    name = dtypes.CPP_TYPE_NAMES[dt.name]
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def check_uniform_bounds(low: float, high: float, dt: dtypes.dtype) -> None:
    """torch's checks of uniform_'s [low, high) against the (floating) dtype the samples go into."""
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{dt._scalar_name}'")
    largest = float(np.finfo(dt.np_dtype).max)
    for name, v in (("from", low), ("to", high)):
        if not -largest <= v <= largest:  # NaN and infinities too
            raise RuntimeError(f"{name} is out of bounds for {dtypes.CPP_TYPE_NAMES[dt.name]}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    if high - low > largest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{dt._scalar_name}>::max(), but "
            f"found to={high} and from={low} which result in to-from to exceed the limit"
        )
