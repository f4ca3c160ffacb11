"""Reverse-mode automatic differentiation: Function, backward, grad (any order), grad modes, gradcheck,
and ``functional`` (Jacobians, Hessians and their vector products)."""

from . import functional
from .anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import AccumulateGrad, BackwardNode, Context, Function, FunctionBackward, FunctionBase, Node, unbroadcast
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph_export import render_dot, to_dot

FunctionCtx = Context

__all__ = [
    "functional",
    "Function",
    "Context",
    "FunctionCtx",
    "Node",
    "AccumulateGrad",
    "BackwardNode",
    "FunctionBackward",
    "FunctionBase",
    "backward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "unbroadcast",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
    "to_dot",
    "render_dot",
]
