"""Reverse-mode automatic differentiation: Function, backward, grad, grad modes, gradcheck."""
from .engine import backward, grad
from .function import AccumulateGrad, BackwardNode, Context, Function, Node, unbroadcast
from .gradcheck import GradcheckError, gradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

FunctionCtx = Context

__all__ = ["Function", "Context", "FunctionCtx", "Node", "AccumulateGrad", "BackwardNode", "backward", "grad",
           "gradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "unbroadcast"]
