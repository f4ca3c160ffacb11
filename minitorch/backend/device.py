"""``minitorch.device``: where a tensor's data lives, parsed and printed as torch does."""

from __future__ import annotations

from typing import Union

# Device types a backend serves; a backend registered later (a test-only device) adds its own.
DEVICE_TYPES: list = ["cpu", "cuda"]


class device:
    """Where a tensor's data lives: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string or a device, but got {type.__class__.__name__}")
        name = type.strip()
        if ":" in name:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {name}"
                )
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: {type}"
            )
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = name
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")
DeviceLike = Union[str, device, int, None]


def as_device(d: DeviceLike) -> device:
    """Normalise a user's device argument (None means cpu, an int means that cuda index)."""
    if d is None:
        return CPU
    if isinstance(d, int) and not isinstance(d, bool):
        return device("cuda", d)
    return device(d)  # type: ignore[arg-type]  # a bool is an int to the checker; device() raises torch's TypeError
