"""``minitorch.func``: composable function transforms over autograd, and ``functional_call``, as ``torch.func``.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd`` and ``hessian`` take
and return pytrees (tuples, lists, dicts) of tensors and nest: ``grad(grad(f))``, ``jacfwd(jacrev(f))``, the
gradient of a loss through ``functional_call`` with respect to a dict of parameters, differentiated again by
an outer loss. They run on minitorch's reverse-mode engine (see ``_level.py`` for how levels are emulated
on one graph, ``jacobians.py`` for forward mode by the double backward trick).

Not here: ``vmap`` (it needs a batching rule for every op; it is left out rather than stubbed), and so no
``stack_module_state``, ``functionalize`` or ``replace_all_batch_norm_modules_``. Jacobians are built a row
or a column at a time instead of by vmap.
"""

from .functional_call import functional_call
from .jacobians import hessian, jacfwd, jacrev, jvp, linearize
from .transforms import grad, grad_and_value, vjp

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "vjp",
]
