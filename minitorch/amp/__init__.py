"""``minitorch.amp``: automatic mixed precision, as ``torch.amp``.

    autocast_mode.py  autocast (regions where ops run in float16 or float32 by torch's op lists), the
                      thread's autocast state, and the hook ops call to be autocast
    op_lists.py       which ops autocast changes, per device
    grad_scaler.py    GradScaler: loss scaling, skipped steps on inf/NaN gradients, the adaptive scale

This package sits low in the import graph, beside ``autograd``: ops import its state, so it imports
neither Tensor nor ops (it knows tensors through ``autograd.nodes``, as the autograd engine does).
"""

from . import autocast_mode, grad_scaler, op_lists
from .autocast_mode import autocast, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "autocast_mode", "grad_scaler", "is_autocast_available", "op_lists"]
