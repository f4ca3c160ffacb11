"""GradScaler: loss scaling for float16 training, as ``torch.amp.GradScaler``.

Small float16 gradients underflow to zero; multiplying the loss by a large factor before backward
keeps them representable, and dividing the gradients by it before the step undoes it. The factor
adapts: a step whose gradients hold an inf or a NaN is skipped and the scale shrinks
(``backoff_factor``); ``growth_interval`` clean steps in a row grow it (``growth_factor``).

As in torch, the scale and the growth tracker are 0-d arrays on the device of the first scaled
output, and ``unscale_``/``update`` read nothing back to the host: the one synchronisation is
``step``'s look at the found-inf flags (per device) to decide whether to step.
"""

from __future__ import annotations

import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import TYPE_CHECKING, Any

from .. import backend, dtypes
from ..autograd.grad_mode import no_grad
from ..autograd.nodes import is_tensor, wrap
from ..backend import CUDA

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_optimizer_state() -> dict:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _full(value: Any, dtype: Any, device: Any) -> Any:
    """A 0-d array holding ``value`` on ``device``."""
    array = backend.backend_for(device).zeros((), dtype.np_dtype, device)
    array[...] = value
    return array


def _item(array: Any) -> Any:
    return backend.backend_of(array).item(array)


class GradScaler:
    """Scale the loss, unscale the gradients, skip the steps they overflow, and adapt the scale.

    ``scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()`` in place of
    ``loss.backward(); optimizer.step()``; ``scaler.unscale_(optimizer)`` before ``step`` gives
    the true gradients (to clip them).

    Args:
        device: the device type the scaler serves ('cuda' or 'cpu'); 'cuda' without a GPU warns
            and disables the scaler, as torch.
        init_scale: the first scale.
        growth_factor: what the scale is multiplied by after ``growth_interval`` clean steps (> 1).
        backoff_factor: what the scale is multiplied by after a step with infs or NaNs (< 1).
        growth_interval: how many clean steps in a row make the scale grow.
        enabled: False makes every method a pass-through (``step`` just steps).
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and not CUDA.is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: Any = None  # 0-d float32 array, made on the first scale()'s device
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: Any = None  # 0-d int32 array: clean steps since the scale last changed
            self._per_optimizer_states: dict = defaultdict(_fresh_optimizer_state)

    def _check_scale_growth_tracker(self, funcname: str) -> tuple:
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _scale_on(self, device: Any) -> Tensor:
        """The scale as a tensor on ``device`` (made there, on first use, from ``init_scale``)."""
        if self._scale is None:
            self._scale = _full(self._init_scale, dtypes.float32, device)
            self._growth_tracker = _full(self._init_growth_tracker, dtypes.int32, device)
        return wrap(backend.to_device(self._scale, device))

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or lists/tuples/iterables of them) times the scale; as given when disabled."""
        if not self._enabled:
            return outputs
        if is_tensor(outputs):
            return outputs * self._scale_on(outputs.device)
        scales: dict = {}  # one copy of the scale per device for the whole structure

        def apply_scale(val: Any) -> Any:
            if is_tensor(val):
                if val.device not in scales:
                    scales[val.device] = self._scale_on(val.device)
                return val * scales[val.device]
            if isinstance(val, abc.Iterable):
                scaled = map(apply_scale, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer: Any, inv_scale: Any, allow_fp16: bool) -> dict:
        """Multiply every gradient of ``optimizer`` by ``inv_scale`` in place; per device, a 0-d float32
        array that is 1 where some gradient held an inf or a NaN."""
        found: dict = {}
        inv: dict = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    if not allow_fp16 and grad.dtype is dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    data = grad._data
                    dev = backend.device_of(data)
                    if dev not in inv:
                        inv[dev] = wrap(backend.to_device(inv_scale, dev))
                        found[dev] = _full(0.0, dtypes.float32, dev)
                    xp = backend.array_module(data)
                    found[dev] = xp.asarray(xp.maximum(found[dev], xp.logical_not(xp.isfinite(data).all())))
                    grad.mul_(inv[dev])
        return found

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place (once per step; ``step`` does it otherwise).

        Args:
            optimizer: the optimizer whose parameters' gradients are unscaled.
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # torch's rounding: the reciprocal in float64, then float32 (asarray: numpy makes 0-d results scalars)
        xp = backend.array_module(self._scale)
        inv_scale = xp.asarray((1.0 / self._scale.astype(dtypes.float64.np_dtype)).astype(dtypes.float32.np_dtype))
        optimizer_state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, False)
        optimizer_state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients (unless ``unscale_`` did) and step, unless one held an inf or a NaN.

        Args:
            optimizer: the optimizer to step.
            args, kwargs: passed on to ``optimizer.step`` (no closure while enabled, as torch).

        Returns:
            What ``optimizer.step`` returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if optimizer_state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(optimizer_state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        # the one synchronisation, as torch's: whether any device saw an inf
        if not sum(_item(v) for v in optimizer_state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        optimizer_state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: Any = None) -> None:
        """Adapt the scale after this iteration's steps, or set it to ``new_scale``.

        Args:
            new_scale: a float, or a one-element tensor on the scaler's device type; None: back off if
                any step of this iteration was skipped, grow after ``growth_interval`` clean steps.
        """
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale[...] = new_scale
            else:
                reason = (
                    "new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                    "torch.FloatTensor with requires_grad=False."
                )
                if new_scale.device.type != self._device or new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError(reason)
                scale[...] = backend.to_device(new_scale._data, backend.device_of(scale)).reshape(())
        else:
            dev = backend.device_of(scale)
            found_infs = [
                backend.to_device(found, dev)
                for state in self._per_optimizer_states.values()
                for found in state["found_inf_per_device"].values()
            ]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._update_scale(scale, tracker, sum(found_infs[1:], found_infs[0]))
        self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    def _update_scale(self, scale: Any, tracker: Any, found_inf: Any) -> None:
        """torch's ``_amp_update_scale_`` on the device, in place: back off on an inf; else count a clean
        step and grow at ``growth_interval`` of them (unless growing overflows float32)."""
        xp = backend.array_module(scale)
        wide = scale.astype(dtypes.float64.np_dtype)  # float32 scale times a Python float: float64, then rounded
        with backend.backend_of(scale).quiet():  # a grown scale past float32's range is inf, and not taken
            grown = (wide * self._growth_factor).astype(scale.dtype)
            backed_off = (wide * self._backoff_factor).astype(scale.dtype)
        inf = found_inf > 0
        clean = tracker + 1
        grow = clean == self._growth_interval
        scale[...] = xp.where(inf, backed_off, xp.where(grow & xp.isfinite(grown), grown, scale))
        tracker[...] = xp.where(inf | grow, 0, clean)

    def get_scale(self) -> float:
        """The current scale (a synchronisation on a GPU); 1.0 when disabled."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(_item(self._scale))

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(_item(self._growth_tracker))

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        """torch's five entries (scale, growth_factor, backoff_factor, growth_interval, _growth_tracker) as
        Python numbers; empty when disabled."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` returned (nothing when disabled)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale[...] = state_dict["scale"]
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker[...] = state_dict["_growth_tracker"]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError(
                    "A GradScaler instance may only be pickled at the beginning "
                    "of an iteration, or at the end after scaler.update()."
                )
            # the per-optimizer states hold a factory, which does not pickle; they are empty here anyway
            state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._enabled:
            self._per_optimizer_states = defaultdict(_fresh_optimizer_state)


class DeviceGradScaler(GradScaler):
    """``GradScaler`` bound to one device type under its deprecated name (``torch.cuda.amp.GradScaler``,
    ``torch.cpu.amp.GradScaler``): torch's FutureWarning, then the scaler for ``device_type``.

    Args:
        init_scale, growth_factor, backoff_factor, growth_interval, enabled: as ``GradScaler``'s.
    """

    device_type = "cuda"

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        kind = self.device_type
        warnings.warn(
            f"`torch.{kind}.amp.GradScaler(args...)` is deprecated. "
            f"Please use `torch.amp.GradScaler('{kind}', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(kind, init_scale, growth_factor, backoff_factor, growth_interval, enabled)
