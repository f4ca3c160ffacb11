"""Snippets from PyTorch's beginner tutorials, run with ``torch`` bound to minitorch and to real torch.

Each snippet is a function of ``torch`` written as the tutorial writes it. Deterministic snippets must
print exactly what real torch prints; random ones are checked for what the tutorial promises (the
numpy bridge shares memory, the loss falls) and, given the same starting values, for torch's numbers.
"""

from __future__ import annotations

import contextlib
import io
import math
import re

import numpy as np
import pytest
import torch as real_torch

import minitorch


def _stdout(fn, *args, **kwargs):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn(*args, **kwargs)
    return buf.getvalue(), result


def _same_output(snippet, *args):
    """The snippet prints the same text under minitorch as under torch (object addresses masked)."""
    ours, _ = _stdout(snippet, minitorch, *args)
    theirs, _ = _stdout(snippet, real_torch, *args)
    mask = re.compile(r" at 0x[0-9a-f]+")
    assert mask.sub("", ours) == mask.sub("", theirs)
    return ours


# ---------------------------------------------------------------- tensors (Learn the Basics: Tensors)


def tensors_tutorial(torch):
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    print(x_data, x_np)

    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    print(f"Random Tensor: {x_rand.shape} {x_rand.dtype} \n")

    shape = (
        2,
        3,
    )
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: {rand_tensor.shape} \n")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")

    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    # We move our tensor to the current accelerator if available
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())

    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    print(tensor)

    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)

    # This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    print(y1, y2, y3)

    # This computes the element-wise product. z1, z2, z3 will have the same value
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    print(z1, z2, z3)

    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))

    print(f"{tensor} \n")
    tensor.add_(5)
    print(tensor)

    print(f"tensor.mul(tensor) \n {tensor.mul(tensor)} \n")
    print(f"tensor * tensor \n {tensor * tensor}")
    print(f"tensor.matmul(tensor.T) \n {tensor.matmul(tensor.T)} \n")
    print(f"tensor @ tensor.T \n {tensor @ tensor.T}")
    return tensor, t1, (y1, y2, y3), (z1, z2, z3), agg_item


def test_tensors_tutorial_prints_what_torch_prints():
    _same_output(tensors_tutorial)


def test_tensors_tutorial_values():
    _, (tensor, t1, ys, zs, agg_item) = _stdout(tensors_tutorial, minitorch)
    expected = np.ones((4, 4)) + 5
    expected[:, 1] = 5
    np.testing.assert_array_equal(tensor.numpy(), expected)
    assert t1.shape == (4, 12) and t1[:, 5].tolist() == [0.0] * 4
    for y in ys:
        np.testing.assert_array_equal(y.numpy(), np.full((4, 4), 3.0))
    for z in zs:
        assert z[:, 1].tolist() == [0.0] * 4 and z[:, 0].tolist() == [1.0] * 4
    assert agg_item == 12.0 and isinstance(agg_item, float)


def numpy_bridge(torch):
    t = torch.ones(5)
    print(f"t: {t}")
    n = t.numpy()
    print(f"n: {n}")
    t.add_(1)
    print(f"t: {t}")
    print(f"n: {n}")

    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    print(f"t: {t}")
    print(f"n: {n}")
    return t, n


def test_numpy_bridge_prints_what_torch_prints():
    _same_output(numpy_bridge)


def test_numpy_bridge_shares_memory():
    _, (t, n) = _stdout(numpy_bridge, minitorch)
    assert t.tolist() == [2.0] * 5 and t.dtype == minitorch.float64
    n[0] = -1
    assert t[0].item() == -1.0


def blitz_tensor_tutorial(torch):
    # The older 60-minute blitz: construction, operations, resizing, the numpy bridge.
    x = torch.empty(5, 3)
    x = torch.rand(5, 3)
    x = torch.zeros(5, 3, dtype=torch.long)
    print(x)
    x = torch.tensor([5.5, 3])
    print(x)
    x = x.new_ones(5, 3, dtype=torch.double)
    print(x)
    x = torch.randn_like(x, dtype=torch.float)
    print(x.size())
    y = torch.rand(5, 3)
    s1 = x + y
    s2 = torch.add(x, y)
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    y.add_(x)
    col = x[:, 1]
    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
    print(x.size(), y.size(), z.size())
    one = torch.randn(1)
    value = one.item()
    a = torch.ones(5)
    b = a.numpy()
    a.add_(1)
    print(a, b)
    return s1, s2, result, y, col, value, one


def test_blitz_tensor_tutorial():
    _same_output(blitz_tensor_tutorial)
    _, (s1, s2, result, y, col, value, one) = _stdout(blitz_tensor_tutorial, minitorch)
    np.testing.assert_array_equal(s1.numpy(), s2.numpy())
    np.testing.assert_array_equal(s1.numpy(), result.numpy())
    assert col.shape == (5,) and isinstance(value, float) and value == one[0].item()


# ---------------------------------------------------------------- autograd (60-minute blitz)


def blitz_autograd(torch):
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    # check if collected gradients are correct
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)
    print(Q, a.grad, b.grad)

    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")


def test_blitz_autograd_prints_what_torch_prints():
    out = _same_output(blitz_autograd)
    assert out.startswith("tensor([True, True])\ntensor([True, True])\n")
    assert "Does `a` require gradients?: False" in out and "Does `b` require gradients?: True" in out


# ---------------------------------------------------------------- autograd (Learn the Basics: Autograd)


def autograd_basics(torch, start=None):
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    if start is not None:  # replaying another run's random draws
        w, b = (torch.tensor(v, requires_grad=True) for v in start)
    z = torch.matmul(x, w) + b
    # binary cross entropy with logits, written out by hand
    p = torch.sigmoid(z)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()

    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")

    loss.backward()
    grads = (w.grad.clone(), b.grad.clone())

    z = torch.matmul(x, w) + b
    print(z.requires_grad)

    with torch.no_grad():
        z = torch.matmul(x, w) + b
    print(z.requires_grad)

    z = torch.matmul(x, w) + b
    z_det = z.detach()
    print(z_det.requires_grad)
    return (w.detach().numpy().copy(), b.detach().numpy().copy()), loss.item(), grads


def test_autograd_basics_matches_torch():
    ours, (start, loss, (gw, gb)) = _stdout(autograd_basics, minitorch)
    theirs, (_, want_loss, (want_gw, want_gb)) = _stdout(autograd_basics, real_torch, start)
    mask = re.compile(r" at 0x[0-9a-f]+")
    assert mask.sub("", ours) == mask.sub("", theirs)
    assert "Gradient function for z = <AddBackward0 object at 0x" in ours
    assert ours.endswith("True\nFalse\nFalse\n")
    assert loss == pytest.approx(want_loss, rel=1e-5)
    np.testing.assert_allclose(gw.numpy(), want_gw.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gb.numpy(), want_gb.numpy(), rtol=1e-5, atol=1e-7)


def jacobian_products(torch):
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\n{inp.grad}")
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    print(out)


def test_jacobian_products_print_what_torch_prints():
    out = _same_output(jacobian_products)
    assert "Second call\ntensor([[8., 4., 4., 4., 4.]," in out


# ---------------------------------------------------------------- Learning PyTorch with Examples


def polynomial_numpy(start, steps):
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    a, b, c, d = start
    learning_rate = 1e-6
    losses = []
    for _t in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = np.square(y_pred - y).sum()
        losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return losses, (a, b, c, d)


def polynomial_tensors(torch, steps, start=None):
    dtype = torch.float64
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.randn((), device=device, dtype=dtype)
    b = torch.randn((), device=device, dtype=dtype)
    c = torch.randn((), device=device, dtype=dtype)
    d = torch.randn((), device=device, dtype=dtype)
    if start is not None:
        a, b, c, d = (torch.tensor(v, dtype=dtype) for v in start)
    initial = (a.item(), b.item(), c.item(), d.item())
    learning_rate = 1e-6
    losses = []
    for _t in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return losses, initial


def polynomial_autograd(torch, steps, start=None):
    dtype = torch.float64
    torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.randn((), dtype=dtype, requires_grad=True)
    b = torch.randn((), dtype=dtype, requires_grad=True)
    c = torch.randn((), dtype=dtype, requires_grad=True)
    d = torch.randn((), dtype=dtype, requires_grad=True)
    if start is not None:
        a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in start)
    initial = (a.item(), b.item(), c.item(), d.item())
    learning_rate = 1e-6
    losses = []
    for _t in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return losses, initial


@pytest.mark.parametrize("snippet", [polynomial_tensors, polynomial_autograd])
def test_polynomial_fit_matches_numpy_and_torch(snippet):
    steps = 300
    _, (losses, start) = _stdout(snippet, minitorch, steps)
    assert losses[-1] < 0.1 * losses[0]
    np_losses, _ = polynomial_numpy(start, steps)
    np.testing.assert_allclose(losses, np_losses, rtol=1e-9)
    ours, _ = _stdout(snippet, minitorch, steps, start)
    theirs, (torch_losses, _) = _stdout(snippet, real_torch, steps, start)
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-9)
    ours_coef = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", ours)]
    theirs_coef = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", theirs)]
    np.testing.assert_allclose(ours_coef, theirs_coef, rtol=1e-6, atol=1e-12)


N, D_in, H, D_out = 64, 1000, 100, 10


def two_layer_tensors(torch, steps, data=None):
    dtype = torch.float
    device = torch.device("cpu")
    # N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
    x = torch.randn(N, D_in, device=device, dtype=dtype)
    y = torch.randn(N, D_out, device=device, dtype=dtype)
    w1 = torch.randn(D_in, H, device=device, dtype=dtype)
    w2 = torch.randn(H, D_out, device=device, dtype=dtype)
    if data is not None:
        x, y, w1, w2 = (torch.from_numpy(v.copy()) for v in data)
    start = tuple(v.numpy().copy() for v in (x, y, w1, w2))
    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        # Forward pass: compute predicted y
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        # Compute and print loss
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)
        if t % 100 == 99:
            print(t, loss)
        # Backprop to compute gradients of w1 and w2 with respect to loss
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        # Update weights using gradient descent
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses, start


def two_layer_autograd(torch, steps, data=None):
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.randn(N, D_in, device=device, dtype=dtype)
    y = torch.randn(N, D_out, device=device, dtype=dtype)
    w1 = torch.randn(D_in, H, device=device, dtype=dtype, requires_grad=True)
    w2 = torch.randn(H, D_out, device=device, dtype=dtype, requires_grad=True)
    if data is not None:
        x, y = torch.from_numpy(data[0].copy()), torch.from_numpy(data[1].copy())
        w1, w2 = (torch.tensor(v, requires_grad=True) for v in data[2:])
    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            # Manually zero the gradients after updating weights
            w1.grad.zero_()
            w2.grad.zero_()
    return losses, None


def test_two_layer_net_manual_gradients_learns():
    out, (losses, _) = _stdout(two_layer_tensors, minitorch, 100)
    assert losses[-1] < 0.01 * losses[0]
    assert out.startswith("99 ") and len(out.splitlines()) == 1


def test_two_layer_net_autograd_learns():
    out, (losses, _) = _stdout(two_layer_autograd, minitorch, 100)
    assert losses[-1] < 0.01 * losses[0]
    assert len(out.splitlines()) == 1


def test_two_layer_net_manual_and_autograd_agree_with_torch():
    steps = 25
    _, (manual, data) = _stdout(two_layer_tensors, minitorch, steps)
    _, (auto, _) = _stdout(two_layer_autograd, minitorch, steps, data)
    _, (torch_manual, _) = _stdout(two_layer_tensors, real_torch, steps, data)
    _, (torch_auto, _) = _stdout(two_layer_autograd, real_torch, steps, data)
    # float32 sums of 64x1000 products: equal to a few ulps per step, compounding slowly.
    np.testing.assert_allclose(auto, manual, rtol=1e-4)
    np.testing.assert_allclose(manual, torch_manual, rtol=2e-3)
    np.testing.assert_allclose(auto, torch_auto, rtol=2e-3)
    assert manual[-1] < 0.5 * manual[0]
