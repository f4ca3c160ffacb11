"""``minitorch.backends.cudnn``: torch's cuDNN switches, accepted; minitorch's GPU kernels are its own (no cuDNN)."""

enabled = False
benchmark = False
deterministic = False
allow_tf32 = False


def is_available() -> bool:
    """False: minitorch does not use cuDNN."""
    return False
