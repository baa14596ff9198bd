"""The driver of large_numpy.py and large_torch.py: peers of the C# LargeTraining benchmark.

The synthetic table: 1,000,000 rows × 16 float32 features, standard normal (numpy's default_rng(2024); the C# suite uses
its own numpy-compatible generator, so the values differ but the distribution is the same), label x0·x1 > 0 with 5% of
the labels flipped. Network d=16 → H ∈ {2, 16, 64} → 1, weights standard normal · 0.1 (seed 1), biases 0, lr 0.1,
float32 throughout. One operation is one epoch: full batch (one step on all rows), or mini-batches of 256 in a fresh
random order (3,907 steps, the last one of 64 rows). Each epoch continues training from the previous one.
"""

import argparse
import os
import sys

import _common

ROWS = 1_000_000
INPUTS = 16
HIDDEN = (2, 16, 64)
BATCH = 256
LEARNING_RATE = 0.1


def parse(framework):
    parser = argparse.ArgumentParser(
        description=f"One epoch of the two-layer sigmoid network on the synthetic 1M × 16 float32 table, {framework}, "
                    "full batch and mini-batches of 256, H = 2, 16, 64.")
    _common.add_common_arguments(parser)
    parser.add_argument("--hidden", type=int, nargs="+", default=list(HIDDEN), help="hidden sizes (default 2 16 64)")
    parser.add_argument("--full-repeats", type=int, default=5, help="timed full-batch epochs per H (default 5)")
    parser.add_argument("--mini-repeats", type=int, default=3, help="timed mini-batch epochs per H (default 3)")
    parser.add_argument("--rows", type=int, default=ROWS, help=argparse.SUPPRESS)
    return parser.parse_args()


def synthetic(np, rows, inputs=INPUTS, seed=2024):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, inputs), dtype=np.float32)
    label = X[:, 0] * X[:, 1] > 0
    flip = rng.random(rows) < 0.05
    y = (label ^ flip).astype(np.float32).reshape(rows, 1)
    return X, y


def run(framework, args, threads):
    import numpy as np
    info = _common.base_info(threads)
    info.update(_common.numpy_info(np))
    rows = 50_000 if args.quick else args.rows
    full_repeats = 2 if args.quick else args.full_repeats
    mini_repeats = 1 if args.quick else args.mini_repeats
    X, y = synthetic(np, rows)
    _common.progress(f"table {X.shape} {X.dtype}, {y.mean():.4f} positive")

    if framework == "numpy":
        import _net_numpy as net
        data = (X, y)

        def new_parameters(h):
            return net.initial_parameters(INPUTS, h, seed=1, dtype=np.float32)

        def full(parameters):
            return net.full_batch_epoch(X, y, parameters, LEARNING_RATE)

        shuffle = np.random.default_rng(1)

        def mini(parameters):
            return net.mini_batch_epoch(X, y, parameters, LEARNING_RATE, BATCH, shuffle)

        def check(parameters):
            net.check_dtypes(parameters, np.float32)
        context = None
    else:
        import torch
        import _net_numpy
        import _net_torch as net
        _common.set_torch_threads(torch, threads, info)
        info.update(_common.torch_info(torch))
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def new_parameters(h):
            return net.parameters_from_numpy(_net_numpy.initial_parameters(INPUTS, h, seed=1), torch.float32)

        def full(parameters):
            return net.full_batch_epoch(Xt, yt, parameters, LEARNING_RATE)

        shuffle = torch.Generator().manual_seed(1)

        def mini(parameters):
            return net.mini_batch_epoch(Xt, yt, parameters, LEARNING_RATE, BATCH, shuffle)

        def check(parameters):
            _net_numpy.check_dtypes(parameters, torch.float32)
        context = torch.inference_mode()

    if context is not None:
        context.__enter__()
    try:
        results = []
        label = "numpy float32" if framework == "numpy" else "PyTorch float32"
        if _common.reuse_memory_active():
            label += ", --reuse-memory"
        for h in args.hidden:
            for kind, epoch, repeats in (("full batch", full, full_repeats), (f"mini-batch {BATCH}", mini, mini_repeats)):
                parameters = new_parameters(h)
                losses = []
                times = _common.time_calls(lambda: losses.append(epoch(parameters)), repeats, warmup=1)
                check(parameters)
                if not all(np.isfinite(losses)):
                    raise ArithmeticError(f"non-finite loss: {losses}")
                r = _common.result(f"{rows:,}×{INPUTS}, H={h}, {kind}, {label}", threads, times, rows=rows,
                                   flops_per_row=_common.flops_per_row(INPUTS, h),
                                   note=f"epoch loss {losses[0]:.4f} → {losses[-1]:.4f}")
                results.append(r)
                _common.progress(f"H={h} {kind}: median {_common.format_time(r['median_s'])} "
                                 f"({_common.format_rate(rows / r['median_s'])} rows/s)")
    finally:
        if context is not None:
            context.__exit__(None, None, None)
    info["openblas"] = _common.openblas_info()
    return results, info


def main(framework, script):
    args = parse(framework)
    _common.ensure_memory_mode(args)
    warning = _common.coretype_warning()
    if warning and not args.json_out:
        print(warning, flush=True)
    title = f"1M × 16 synthetic table, one epoch, {'numpy' if framework == 'numpy' else 'PyTorch 1.13'} float32"
    if args.threads is None:
        results, infos = _common.run_per_thread_count(os.path.abspath(script), sys.argv[1:])
        _common.print_report(title, results, infos)
        return
    _common.apply_threads(args.threads)
    results, info = run(framework, args, args.threads)
    _common.finish(args, title, results, info)
