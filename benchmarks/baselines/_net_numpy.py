"""The two-layer sigmoid network in numpy with the hand-written backward pass, dtype-preserving (float32 in, float32
throughout: Python scalars do not upcast numpy arrays, and every result is checked).

X (N×d) -> A1 = sigmoid(X·W1 + b1) (N×H) -> ŷ = sigmoid(A1·W2 + b2) (N×1), loss = mean((ŷ − y)²), gradient descent.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initial_parameters(d, h, seed=1, dtype=np.float32, scale=0.1):
    rng = np.random.default_rng(seed)
    W1 = (rng.standard_normal((d, h)) * scale).astype(dtype)
    b1 = np.zeros((1, h), dtype)
    W2 = (rng.standard_normal((h, 1)) * scale).astype(dtype)
    b2 = np.zeros((1, 1), dtype)
    return [W1, b1, W2, b2]


def gradients(X, y, parameters):
    """Loss (float) and (dW1, db1, dW2, db2) of the batch X (N×d), y (N×1)."""
    W1, b1, W2, b2 = parameters
    N = X.shape[0]
    A1 = sigmoid(X @ W1 + b1)
    y_prediction = sigmoid(A1 @ W2 + b2)
    error = y_prediction - y
    loss = float(np.mean(error * error))
    dZ2 = (2 / N) * error * y_prediction * (1 - y_prediction)
    dW2 = A1.T @ dZ2
    db2 = np.sum(dZ2, axis=0, keepdims=True)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * A1 * (1 - A1)
    dW1 = X.T @ dZ1
    db1 = np.sum(dZ1, axis=0, keepdims=True)
    if dZ1.dtype != X.dtype or dW1.dtype != X.dtype or dW2.dtype != X.dtype:
        raise TypeError(f"dtype changed: X {X.dtype}, dZ1 {dZ1.dtype}, dW1 {dW1.dtype}, dW2 {dW2.dtype}")
    return loss, (dW1, db1, dW2, db2)


def step(X, y, parameters, learning_rate):
    """One gradient-descent step on the batch; returns the batch loss before the step."""
    loss, grads = gradients(X, y, parameters)
    for p, g in zip(parameters, grads):
        p -= learning_rate * g
    return loss


def full_batch_epoch(X, y, parameters, learning_rate):
    return step(X, y, parameters, learning_rate)


def mini_batch_epoch(X, y, parameters, learning_rate, batch_size, rng):
    """One epoch of mini-batches in a fresh random order (a new permutation every epoch, rows gathered per batch).
    Returns the mean of the batch losses weighted by batch rows."""
    N = X.shape[0]
    order = rng.permutation(N)
    total = 0.0
    for start in range(0, N, batch_size):
        rows = order[start:start + batch_size]
        total += step(X[rows], y[rows], parameters, learning_rate) * len(rows)
    return total / N


def check_dtypes(parameters, dtype):
    for p in parameters:
        if p.dtype != dtype:
            raise TypeError(f"a parameter became {p.dtype}, expected {dtype}")
