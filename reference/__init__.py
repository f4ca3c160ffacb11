"""The same models and training loops as minitorch's, run in real PyTorch (the twins)."""
