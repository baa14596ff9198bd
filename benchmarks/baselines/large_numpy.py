#!/usr/bin/python3
"""Peer of the C# LargeTraining benchmark in numpy: one epoch of the two-layer sigmoid network on the synthetic
1,000,000 × 16 float32 table, full batch and mini-batches of 256, H = 2, 16, 64, at 1 and 2 threads.

Run:  env -u OPENBLAS_CORETYPE /usr/bin/python3 benchmarks/baselines/large_numpy.py
(--quick for a smoke run on 50,000 rows; --threads N for one thread count; see _large.py for the workload.)
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the repository free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _large  # noqa: E402  (imports neither numpy nor torch before the thread count is set)

if __name__ == "__main__":
    _large.main("numpy", __file__)
