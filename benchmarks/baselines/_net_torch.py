"""The two-layer sigmoid network in PyTorch with the hand-written backward pass (no autograd: the tensors do not
require gradients and everything runs under ``torch.inference_mode``), float32 unless given other tensors.

Same formulas as ``_net_numpy``: dZ2 = 2/N·(ŷ−y)·ŷ(1−ŷ), dW2 = A1ᵀ·dZ2, db2 = Σ dZ2, dA1 = dZ2·W2ᵀ, dZ1 = dA1·A1(1−A1),
dW1 = Xᵀ·dZ1, db1 = Σ dZ1; then W −= lr·dW.
"""

import torch


def parameters_from_numpy(parameters, dtype=torch.float32):
    return [torch.tensor(p, dtype=dtype) for p in parameters]


def gradients(X, y, parameters):
    """Loss (0-d tensor) and (dW1, db1, dW2, db2) of the batch X (N×d), y (N×1)."""
    W1, b1, W2, b2 = parameters
    N = X.shape[0]
    A1 = torch.sigmoid(X @ W1 + b1)
    y_prediction = torch.sigmoid(A1 @ W2 + b2)
    error = y_prediction - y
    loss = (error * error).mean()
    dZ2 = (2 / N) * error * y_prediction * (1 - y_prediction)
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(dim=0, keepdim=True)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0, keepdim=True)
    return loss, (dW1, db1, dW2, db2)


def step(X, y, parameters, learning_rate):
    """One gradient-descent step on the batch; returns the batch loss (a Python float) before the step."""
    loss, grads = gradients(X, y, parameters)
    for p, g in zip(parameters, grads):
        p.sub_(g, alpha=learning_rate)
    return loss.item()


def full_batch_epoch(X, y, parameters, learning_rate):
    return step(X, y, parameters, learning_rate)


def mini_batch_epoch(X, y, parameters, learning_rate, batch_size, generator):
    """One epoch of mini-batches in a fresh random order (``torch.randperm`` every epoch, rows gathered per batch with
    ``index_select``). Returns the mean of the batch losses weighted by batch rows."""
    N = X.shape[0]
    order = torch.randperm(N, generator=generator)
    total = 0.0
    for start in range(0, N, batch_size):
        rows = order[start:start + batch_size]
        total += step(X.index_select(0, rows), y.index_select(0, rows), parameters, learning_rate) * len(rows)
    return total / N
