"""``minitorch.backends``: torch's switches for the device libraries (``torch.backends.cuda``, ``.cudnn``)."""

from . import cuda, cudnn

__all__ = ["cuda", "cudnn"]
