"""The same models and training loops as minitorch's, run in real PyTorch (the twins).

Installed as ``minitorch_app.reference`` (``setup.py`` maps this directory there), so
``minitorch train --engine torch`` and ``minitorch bench`` work from an installed package;
its modules import torch, which the ``reference`` and ``test`` extras install.
"""
