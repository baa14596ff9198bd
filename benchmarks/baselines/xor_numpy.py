#!/usr/bin/python3
"""Peer baselines for the C# XorEpoch and XorNotebookFit benchmarks: the notebook's 2-2-1 network on XOR's 4 rows.

  * one full-batch epoch, numpy float64 with the notebook's code (``_notebook.py``);
  * one full-batch epoch, PyTorch float32 with the hand-written backward (``_net_torch.py``);
  * the notebook's configuration (seed 42, randn·0.1 init, lr 0.1) for 400,000 epochs with numpy, the loss of every
    epoch kept in a list, checked against the reference trajectory.

Run:  env -u OPENBLAS_CORETYPE /usr/bin/python3 benchmarks/baselines/xor_numpy.py
By default the epoch benchmarks run at 1 and 2 threads (one child process each) and the 400,000-epoch run at 1 thread
only (2×2 products never use a second BLAS thread; pass --threads 2 to measure it there too).
"""

import argparse
import os
import sys
import timeit

sys.dont_write_bytecode = True  # keep the repository free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402  (must not import numpy; see _common)

# The reference trajectory of the notebook's configuration (numpy 1.24.2): loss of the parameters after k updates.
REFERENCE_LOSSES = {
    0: 0.25003649231448677,
    1: 0.2500351087430327,
    2: 0.250033777638656,
    10: 0.25002479409352746,
    100: 0.25000077826184347,
    1000: 0.25000001500471425,
    10000: 0.25000001023500973,
    100000: 0.24999996155422155,
    351022: 0.14382405364080078,
    355387: 0.009997105591153549,
    400000: 0.0005746512362018801,
}
CONVERGED_BELOW = 0.01
REFERENCE_CONVERGED_AT = 355387  # the reference checkpoint with loss just below 0.01


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common.add_common_arguments(parser)
    parser.add_argument("--epochs", type=int, default=400_000, help="epochs of the notebook run (default 400000)")
    parser.add_argument("--fit-repeats", type=int, default=3, help="timed notebook runs (default 3; 0 skips them)")
    parser.add_argument("--no-fit", action="store_true", help="skip the notebook run")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch epoch")
    parser.add_argument("--epoch-repeats", type=int, default=15, help="timeit repeats of the epoch benchmarks (default 15)")
    return parser.parse_args()


def time_epoch(function, repeats):
    """Median-ready list of seconds per epoch: timeit picks the loop count (≥ 0.2 s per repeat), then ``repeats``."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return [t / number for t in timer.repeat(repeat=repeats, number=number)], number


def run(args, threads):
    import numpy as np
    import _notebook

    info = _common.base_info(threads)
    info.update(_common.numpy_info(np))
    results = []
    repeats = 5 if args.quick else args.epoch_repeats

    parameters = _notebook.initial_parameters(42)
    times, number = time_epoch(lambda: _notebook.epoch(parameters), repeats)
    results.append(_common.result("XOR epoch (2-2-1, 4 rows), numpy float64, notebook code", threads, times, rows=4,
                                  flops_per_row=_common.flops_per_row(2, 2), note=f"timeit, {number} epochs per repeat"))
    _common.progress(f"numpy XOR epoch: {_common.format_time(results[-1]['median_s'])}")

    if not args.no_torch:
        import torch
        import _net_torch
        _common.set_torch_threads(torch, threads, info)
        info.update(_common.torch_info(torch))
        info["openblas"] = _common.openblas_info()
        W1, W2, b1, b2 = _notebook.initial_parameters(42)
        tp = _net_torch.parameters_from_numpy([W1, b1, W2, b2], torch.float32)
        X = torch.tensor(_notebook.datasetX, dtype=torch.float32)
        y = torch.tensor(_notebook.datasetY, dtype=torch.float32)
        with torch.inference_mode():
            times, number = time_epoch(lambda: _net_torch.full_batch_epoch(X, y, tp, 0.1), repeats)
        results.append(_common.result("XOR epoch (2-2-1, 4 rows), PyTorch float32, hand-written backward", threads, times,
                                      rows=4, flops_per_row=_common.flops_per_row(2, 2),
                                      note=f"timeit, {number} epochs per repeat, loss.item() each epoch"))
        _common.progress(f"torch XOR epoch: {_common.format_time(results[-1]['median_s'])}")

    fit_repeats = 1 if args.quick else args.fit_repeats
    epochs = min(args.epochs, 20_000) if args.quick else args.epochs
    if not args.no_fit and fit_repeats > 0:
        import time
        times, finals = [], []
        for _ in range(fit_repeats):
            start = time.perf_counter()
            trained, losses = _notebook.train(epochs, learning_rate=0.1, seed=42)
            times.append(time.perf_counter() - start)
            finals.append(float(_notebook.loss_of(trained)))
            _common.progress(f"notebook, {epochs} epochs: {times[-1]:.2f} s, final loss {finals[-1]!r}")
        if len(set(finals)) != 1:
            raise AssertionError(f"the notebook runs ended with different losses: {finals}")
        info["trajectory"] = trajectory_check(losses, finals[0], epochs)
        results.append(_common.result(f"notebook configuration, {epochs:,} epochs, numpy float64", threads, times,
                                      rows=4 * epochs, flops_per_row=_common.flops_per_row(2, 2),
                                      note=f"final loss {finals[0]:.10g}; rows/s counts 4 rows per epoch"))
    return results, info


def trajectory_check(losses, final_loss, epochs):
    """Compares the run's losses with the reference checkpoints; returns a printable summary, raises if they differ."""
    compared, worst = [], 0.0
    for epoch, reference in REFERENCE_LOSSES.items():
        ours = losses[epoch] if epoch < epochs else final_loss if epoch == epochs else None
        if ours is None:
            continue
        relative = abs(ours - reference) / reference
        worst = max(worst, relative)
        compared.append(epoch)
    converged = next((k for k, loss in enumerate(losses) if loss < CONVERGED_BELOW), None)
    if converged is None and final_loss < CONVERGED_BELOW:
        converged = epochs
    summary = (f"trajectory vs reference checkpoints at epochs {', '.join(map(str, compared))}: worst relative "
               f"difference {worst:.2e}; final loss {final_loss!r} after {epochs:,} epochs"
               + (f" (reference {REFERENCE_LOSSES[epochs]!r})" if epochs in REFERENCE_LOSSES else "")
               + f"; first epoch with loss < {CONVERGED_BELOW}: {converged} (reference: {REFERENCE_CONVERGED_AT})")
    if worst > 1e-6:
        raise AssertionError("the notebook run does not follow the reference trajectory: " + summary)
    return summary


def main():
    args = parse()
    _common.ensure_memory_mode(args)
    warning = _common.coretype_warning()
    if warning and not args.json_out:
        print(warning, flush=True)
    title = "XOR peers (numpy notebook code, PyTorch float32)"
    if args.threads is None:
        results, infos = _common.run_per_thread_count(
            os.path.abspath(__file__), sys.argv[1:], child_extra=lambda t: [] if t == _common.DEFAULT_THREADS[0] else ["--no-fit"])
        _common.print_report(title, results, infos)
        for info in infos:
            if "trajectory" in info:
                print()
                print("Check: " + info["trajectory"] + ".")
        return
    _common.apply_threads(args.threads)
    results, info = run(args, args.threads)
    _common.finish(args, title, results, info)
    if not args.json_out and "trajectory" in info:
        print()
        print("Check: " + info["trajectory"] + ".")


if __name__ == "__main__":
    main()
