"""Parametrizations: ``module.weight`` computed on every access from an unconstrained ``original``.

``register_parametrization(m, "weight", P())`` moves the weight to
``m.parametrizations.weight.original`` (so the state-dict key is
``parametrizations.weight.original``, as torch's) and swaps ``m``'s class for a generated
subclass ``Parametrized<Class>`` holding a property ``weight`` that returns ``P()(original)``.
Assigning to ``m.weight`` goes through the parametrizations' ``right_inverse``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from typing import Any

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "transfer_parametrizations_and_params",
    "type_before_parametrizations",
]

# The cache of the innermost active ``cached()`` block (None outside one). Context-local rather than a
# module-level dict so that it cannot outlive its block, nor leak between threads.
_active_cache: ContextVar[dict | None] = ContextVar("parametrize_cache", default=None)


@contextmanager
def cached() -> Iterator[None]:
    """Within this block each parametrized tensor is computed once, on first access, and then reused.

    Useful when a parametrized weight is read several times in one forward (an RNN's recurrent
    kernel, shared weights). The cached values are dropped when the outermost block exits.
    """
    if _active_cache.get() is not None:  # nested: the outer block owns the cache
        yield
        return
    token = _active_cache.set({})
    try:
        yield
    finally:
        _active_cache.reset(token)


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_data(dest: Tensor, src: Tensor) -> None:
    """Make ``dest`` hold ``src``'s values (shape and all) while staying the same object, so that an
    optimizer holding ``dest`` keeps updating what the module uses (torch's ``set_``)."""
    if src is not dest:
        dest.data = src


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, and the unconstrained tensor(s) they are applied to.

    It is ``module.parametrizations[name]``. The first parametrization's ``right_inverse`` turns
    the tensor into the stored ``original``, or into ``original0``, ``original1``, ... when it
    returns a sequence; calling the list applies the parametrizations in registration order.
    Made by ``register_parametrization``, not by users.

    Args:
        modules: the parametrizations, in the order they are applied.
        original: the parameter or buffer being parametrized.
        unsafe: skip the checks that the parametrization keeps the tensor's shape and dtype.
    """

    original: Tensor
    unsafe: bool

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        with no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:  # a parametrization may opt out: identity
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if isinstance(new, Tensor):
            _check_same(original, new, "When `right_inverse` outputs one tensor, it may not change the {}.\n")
            with no_grad():
                _set_data(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(value).__name__}."
                    )
                if isinstance(original, Parameter):
                    value = Parameter(value, original.requires_grad)
                value.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", value)
        if not self.unsafe:
            _check_output(self(), shape, dtype, "unparametrized {0}: {1}\nparametrized {0}: {2}", "`unsafe` flag")

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` pulled back through every parametrization's ``right_inverse`` (last first).

        Args:
            value: what the parametrized tensor should become.
        """
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                        f"while `original` has dtype {self.original.dtype}"
                    )
                _set_data(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError(
                    f"'right_inverse' must return a sequence of tensors of length {self.ntensors}. "
                    f"Got a sequence of length {len(value)}."
                )
            for i, tensor in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(tensor, Tensor):
                    raise ValueError(
                        f"'right_inverse' must return a sequence of tensors. Got element {i} of type "
                        f"{type(tensor).__name__}."
                    )
                if tensor.dtype != original_i.dtype:
                    raise ValueError(
                        f"Tensor {i} returned by `right_inverse` has dtype {tensor.dtype} "
                        f"while `original{i}` has dtype {original_i.dtype}"
                    )
                _set_data(original_i, tensor)

    def forward(self) -> Tensor:
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _check_same(original: Tensor, new: Tensor, head: str) -> None:
    for what in ("dtype", "device"):
        if getattr(original, what) != getattr(new, what):
            raise ValueError(
                head.format(what) + f"original.{what}: {getattr(original, what)}\n"
                f"right_inverse(original).{what}: {getattr(new, what)}"
            )


def _check_output(out: Any, shape: Any, dtype: Any, detail: str, flag: str) -> None:
    """torch's checks that a parametrization returns a tensor of the shape and dtype it was given."""
    if not isinstance(out, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(out).__name__}.")
    for what, want, got in (("dtype", dtype, out.dtype), ("shape", shape, out.shape)):
        if got != want:
            raise ValueError(
                f"Registering a parametrization may not change the {what} of the tensor, unless {flag} is enabled.\n"
                + detail.format(what, want, got)
            )


def _refuse_pickle(self: Module) -> Any:
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). See:\n"
        "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
        "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training"
    )


def _deepcopy_module(self: Module, memo: dict) -> Module:
    # Pickling is refused, so copy.deepcopy needs its own route: a new object of the same class
    # with a deep copy of the attributes.
    if id(self) in memo:
        return memo[id(self)]
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__ = deepcopy(self.__dict__, memo)
    return replica


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a class of its own, ``Parametrized<Class>``, where properties can be added."""
    cls = type(module)
    namespace: dict[str, Any] = {"__getstate__": _refuse_pickle}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _deepcopy_module
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _parametrized_property(tensor_name: str) -> property:
    """The property that computes ``module.<tensor_name>`` (once per ``cached()`` block) and assigns it."""

    def get(self: Module) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        cache = _active_cache.get()
        if cache is None:
            return parametrization()
        key = (id(self), tensor_name)
        if cache.get(key) is None:
            cache[key] = parametrization()
        return cache[key]

    def set(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    return property(get, set)


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` read as ``parametrization(original)``; a second call chains.

    The tensor moves to ``module.parametrizations.<tensor_name>.original`` (or ``original0``,
    ``original1``, ... when ``parametrization.right_inverse`` returns several tensors), and
    gradients of anything computed from ``module.<tensor_name>`` flow to it.

    Args:
        module: the module holding the parameter or buffer.
        tensor_name: its name.
        parametrization: a module whose ``forward`` maps the original tensor(s) to the exposed one;
            it may define ``right_inverse`` (the map back, used on registration and on assignment).
        unsafe: allow the parametrization to change the tensor's shape or dtype (no checks).
    Returns:
        ``module``.
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_chained(module, tensor_name, parametrization)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        plist = ParametrizationList([parametrization], getattr(module, tensor_name), unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        setattr(type(module), tensor_name, _parametrized_property(tensor_name))
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name '{tensor_name}'"
        )
    return module


def _check_chained(module: Module, tensor_name: str, parametrization: Module) -> None:
    """A parametrization added on top of others must keep the current tensor's dtype and shape."""
    y = getattr(module, tensor_name)
    x = parametrization(y)
    where = f"module.{tensor_name}"
    _check_output(
        x, y.shape, y.dtype, f"{where}.{{0}}: {{1}}\nparametrization({where}).{{0}}: {{2}}", "the `unsafe` flag"
    )
    if not hasattr(parametrization, "right_inverse"):
        return
    try:
        z = parametrization.right_inverse(x)
    except NotImplementedError:
        return
    if not isinstance(z, Tensor):
        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(z).__name__}")
    for what, want, got in (("dtype", y.dtype, z.dtype), ("shape", y.shape, z.shape)):
        if got != want:
            raise ValueError(
                f"The tensor returned by parametrization.right_inverse must have the same {what} as {where}, "
                f"unless the `unsafe` flag is enabled.\n{where}.{what}: {want}\nreturned {what}: {got}"
            )


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization on ``tensor_name`` (on anything, when None).

    Args:
        module: the module to ask.
        tensor_name: the tensor's name, or None for any.
    """
    parametrizations = getattr(module, "parametrizations", None)
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Turn ``module.<tensor_name>`` back into a plain parameter or buffer.

    Args:
        module: the parametrized module.
        tensor_name: the tensor's name.
        leave_parametrized: keep the current parametrized value (True) or the stored ``original``
            (False; impossible when the parametrization has several originals).
    Returns:
        ``module`` (with its original class back once no parametrization is left).
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                _set_data(original, getattr(module, tensor_name))
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t) if t.requires_grad else t
    else:
        raise ValueError(
            "Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
            "that is parametrized in terms of a sequence of tensors."
        )
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """``module``'s class as it was before any parametrization (its class when it has none).

    Args:
        module: the module to ask.
    """
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Register ``from_module``'s parametrizations on ``to_module``, sharing their original tensors.

    Args:
        from_module: the parametrized module.
        to_module: the module that receives them (a missing tensor is created from ``from_module``'s).
        tensor_name: the one tensor to transfer, or None for all.
    Returns:
        ``to_module``.
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        source = from_module.parametrizations[name]
        for parametrization in source:
            register_parametrization(to_module, name, parametrization)
        target = to_module.parametrizations[name]
        if hasattr(source, "original"):
            target.original = source.original
        else:
            i = 0
            while hasattr(source, f"original{i}"):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
                i += 1
    return to_module
