"""What minitorch's checkpoint reader (``serialization``) and the ``torch.save`` reader (``torch_checkpoints``)
share: the format's magic bytes, the one error a bad file raises, and where ``map_location`` puts a tensor."""

from __future__ import annotations

from typing import Any

from . import backend

MAGIC = b"\x89MTC\r\n\x1a\n"


class CheckpointError(RuntimeError):
    """A checkpoint could not be read: corrupt, truncated, not a checkpoint, or unsupported."""


def target_device(saved: str, map_location: Any) -> backend.device:
    """The device a tensor saved on ``saved`` is loaded onto, as ``torch.load``'s ``map_location`` says."""
    if map_location is None:
        target = backend.device(saved)
        if target.type == "cuda" and not backend.cuda_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but minitorch.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use minitorch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU."
            )
        return target
    if isinstance(map_location, dict):
        return backend.device(map_location.get(saved, saved))
    return backend.as_device(map_location)
