#!/usr/bin/python3
"""Correctness checks of the baseline implementations (a few seconds, no timing):

  1. numpy's hand-written gradients (float64) equal PyTorch autograd's on a small random case;
  2. PyTorch's hand-written gradients equal numpy's, in float64 (to rounding) and float32 (to float32 precision);
  3. numpy float32 stays float32 (no silent upcast to float64) through a full-batch and a mini-batch epoch;
  4. the notebook code and the hand-written numpy step follow the reference trajectory of the notebook's
     configuration for its first 10 epochs (the full 400,000 epochs are checked by xor_numpy.py).

Run:  env -u OPENBLAS_CORETYPE /usr/bin/python3 benchmarks/baselines/check.py
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the repository free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import _net_numpy  # noqa: E402
import _net_torch  # noqa: E402
import _notebook  # noqa: E402
from xor_numpy import REFERENCE_LOSSES  # noqa: E402

failures = []


def report(name, value, limit):
    ok = value <= limit
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {value:.3g} (limit {limit:g})")
    if not ok:
        failures.append(name)


def relative(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def small_case(dtype, n=37, d=16, h=5, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (rng.random((n, 1)) < 0.5).astype(dtype)
    parameters = _net_numpy.initial_parameters(d, h, seed=seed, dtype=dtype, scale=0.5)
    parameters[1] += rng.standard_normal(parameters[1].shape).astype(dtype) * 0.1  # non-zero biases
    parameters[3] += dtype(0.2)
    return X, y, parameters


def main():
    names = ("dW1", "db1", "dW2", "db2")

    # 1. numpy hand-written vs torch autograd, float64.
    X, y, parameters = small_case(np.float64)
    loss, grads = _net_numpy.gradients(X, y, parameters)
    tp = [torch.tensor(p, requires_grad=True) for p in parameters]
    W1, b1, W2, b2 = tp
    prediction = torch.sigmoid(torch.sigmoid(torch.tensor(X) @ W1 + b1) @ W2 + b2)
    autograd_loss = ((prediction - torch.tensor(y)) ** 2).mean()
    autograd_loss.backward()
    report("loss, numpy vs autograd (float64)", relative(loss, autograd_loss.item()), 1e-14)
    for name, g, p in zip(names, grads, tp):
        report(f"{name}, numpy hand-written vs torch autograd (float64)", relative(g, p.grad.numpy()), 1e-12)

    # 2. torch hand-written vs numpy hand-written, float64 and float32.
    for dtype, torch_dtype, limit in ((np.float64, torch.float64, 1e-13), (np.float32, torch.float32, 1e-5)):
        X, y, parameters = small_case(dtype)
        loss, grads = _net_numpy.gradients(X, y, parameters)
        with torch.inference_mode():
            t_loss, t_grads = _net_torch.gradients(torch.tensor(X), torch.tensor(y),
                                                   _net_torch.parameters_from_numpy(parameters, torch_dtype))
        label = np.dtype(dtype).name
        report(f"loss, torch vs numpy hand-written ({label})", relative(t_loss.item(), loss), limit)
        for name, g, t in zip(names, grads, t_grads):
            if t.dtype != torch_dtype:
                failures.append(f"torch {name} is {t.dtype}")
            report(f"{name}, torch vs numpy hand-written ({label})", relative(t.numpy(), g), limit)

    # 3. numpy float32 stays float32 through both kinds of epoch (gradients() raises if an intermediate upcasts).
    X, y, parameters = small_case(np.float32, n=1000)
    _net_numpy.full_batch_epoch(X, y, parameters, 0.1)
    _net_numpy.mini_batch_epoch(X, y, parameters, 0.1, 256, np.random.default_rng(0))
    _net_numpy.check_dtypes(parameters, np.float32)
    print("ok   numpy float32 epochs keep every parameter and intermediate in float32")

    # 4. The notebook's first epochs against the reference, with the notebook's code and with the hand-written step.
    checkpoints = [k for k in REFERENCE_LOSSES if k <= 10]
    _, losses = _notebook.train(11)
    report("notebook code vs reference losses, epochs " + ", ".join(map(str, checkpoints)),
           max(relative(losses[k], REFERENCE_LOSSES[k]) for k in checkpoints), 1e-15)
    W1, W2, b1, b2 = _notebook.initial_parameters(42)
    parameters = [W1, b1, W2, b2]
    X, y = _notebook.datasetX.astype(np.float64), _notebook.datasetY.astype(np.float64)
    losses = [_net_numpy.step(X, y, parameters, 0.1) for _ in range(11)]
    report("hand-written numpy step vs reference losses, epochs " + ", ".join(map(str, checkpoints)),
           max(relative(losses[k], REFERENCE_LOSSES[k]) for k in checkpoints), 1e-12)

    if failures:
        print(f"{len(failures)} check(s) failed: {failures}")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
