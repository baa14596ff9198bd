"""Shared plumbing of the peer-baseline scripts: thread control, timing, machine information and the Markdown tables.

This module must not import numpy or torch: the thread count of OpenBLAS and OpenMP is read from the environment when
those libraries are loaded, so it is set here first (see ``apply_threads``).
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

DEFAULT_THREADS = (1, 2)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
# glibc tunables that keep freed memory in the process: no mmap for large blocks, no trimming of the heap's top. Read by
# glibc when the process starts, so --reuse-memory re-executes the script with them set.
REUSE_MEMORY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def add_common_arguments(parser):
    parser.add_argument("--threads", type=int, default=None,
                        help="run at this many BLAS/OpenMP threads only; by default the script runs itself once "
                             "per thread count in " + ", ".join(map(str, DEFAULT_THREADS)) + " and prints one table")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes and few repetitions")
    parser.add_argument("--reuse-memory", action="store_true",
                        help="run with glibc's MALLOC_MMAP_MAX_=0 and a huge MALLOC_TRIM_THRESHOLD_, so that the "
                             "temporaries of one epoch reuse the memory freed by the previous one instead of "
                             "faulting in fresh pages (numpy and torch allocate through malloc)")
    parser.add_argument("--json-out", help=argparse.SUPPRESS)


def reuse_memory_active():
    return all(os.environ.get(k) == v for k, v in REUSE_MEMORY.items())


def ensure_memory_mode(args):
    """With --reuse-memory, re-executes this process with the glibc variables set unless they already are."""
    if args.reuse_memory and not reuse_memory_active():
        env = dict(os.environ, **REUSE_MEMORY)
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, env)


def memory_label():
    return "glibc keeps freed memory (--reuse-memory)" if reuse_memory_active() else "default glibc malloc"


def apply_threads(threads):
    """Sets the thread variables for this process; call before numpy or torch is imported."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


def coretype_warning():
    value = os.environ.get("OPENBLAS_CORETYPE")
    if value:
        return (f"WARNING: OPENBLAS_CORETYPE={value} is set: OpenBLAS uses that core's kernels instead of the best ones for "
                f"this CPU (on AVX-512 machines Haswell can make sgemm nearly 2× slower). Run with `env -u OPENBLAS_CORETYPE`.")
    return None


def run_per_thread_count(script, argv, child_extra=None):
    """Runs ``script`` once per thread count in a child process (environment set before numpy/torch load).

    Returns (results, infos): the rows of all children, and the machine information of each child.
    ``child_extra(threads)`` may return extra arguments for one child.
    """
    results, infos = [], []
    for threads in DEFAULT_THREADS:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "result.json")
            args = [sys.executable, script] + list(argv) + ["--threads", str(threads), "--json-out", out]
            if child_extra:
                args += child_extra(threads)
            env = dict(os.environ)
            if "--reuse-memory" in argv:
                env.update(REUSE_MEMORY)
            for name in THREAD_VARIABLES:
                env[name] = str(threads)
            print(f"# running {os.path.basename(script)} at {threads} thread(s) ...", file=sys.stderr, flush=True)
            subprocess.run(args, env=env, check=True)
            with open(out) as f:
                data = json.load(f)
        results += data["results"]
        infos.append(data["info"])
    return results, infos


def write_child_output(path, results, info):
    with open(path, "w") as f:
        json.dump({"results": results, "info": info}, f)


# ---------------------------------------------------------------------------------------------------- timing


def time_calls(function, repeats, warmup=1):
    """Wall-clock seconds of ``repeats`` calls of ``function()`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def result(work, threads, times, rows, flops_per_row=None, note=""):
    """One table row: ``times`` are seconds per operation of ``rows`` rows."""
    per_op = list(times)
    return {
        "work": work,
        "threads": threads,
        "median_s": statistics.median(per_op),
        "min_s": min(per_op),
        "max_s": max(per_op),
        "n": len(per_op),
        "rows": rows,
        "flops_per_row": flops_per_row,
        "note": note,
    }


def flops_per_row(d, h):
    """Forward and backward flops per row, as the C# suite counts them."""
    return 4 * d * h + 14 * h


def format_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds} s"


def format_rate(rows_per_second):
    if rows_per_second >= 1e6:
        return f"{rows_per_second / 1e6:.3g} M"
    if rows_per_second >= 1e3:
        return f"{rows_per_second / 1e3:.3g} k"
    return f"{rows_per_second:.3g}"


def _cells(r):
    rate = r["rows"] / r["median_s"]
    gflops = "" if r["flops_per_row"] is None else f"{r['rows'] * r['flops_per_row'] / r['median_s'] / 1e9:.3g}"
    spread = f"{format_time(r['min_s'])} – {format_time(r['max_s'])}"
    return rate, gflops, spread


def markdown_table(results):
    lines = ["| work | threads | median | rows/s | GFLOP/s | min – max (n) | note |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        rate, gflops, spread = _cells(r)
        lines.append(f"| {r['work']} | {r['threads']} | {format_time(r['median_s'])} | {format_rate(rate)} | {gflops} | "
                     f"{spread} ({r['n']}) | {r['note']} |")
    return "\n".join(lines)


def best_of_threads_table(results):
    """Per work, the better (lower median) of the thread counts measured."""
    best = {}
    for r in results:
        if r["work"] not in best or r["median_s"] < best[r["work"]]["median_s"]:
            best[r["work"]] = r
    lines = ["| work | best median | at threads | rows/s | GFLOP/s |", "|---|---|---|---|---|"]
    for r in best.values():
        rate, gflops, _ = _cells(r)
        lines.append(f"| {r['work']} | {format_time(r['median_s'])} | {r['threads']} | {format_rate(rate)} | {gflops} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- machine information


def loaded_libraries(pattern):
    """Paths of the shared libraries mapped into this process whose path matches ``pattern`` (Linux only)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if ".so" in line}
    except OSError:
        return []
    return sorted(p for p in paths if re.search(pattern, os.path.basename(p)))


def openblas_info():
    """Core name, build configuration and thread count of the OpenBLAS mapped into this process, or None."""
    import ctypes
    for path in loaded_libraries(r"openblas"):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {
                "library": os.path.basename(path),
                "core": lib.openblas_get_corename().decode(),
                "config": lib.openblas_get_config().decode(),
                "threads": lib.openblas_get_num_threads(),
            }
        except (OSError, AttributeError):
            continue
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def base_info(threads):
    blas = openblas_info()
    info = {
        "threads": threads,
        "python": platform.python_version(),
        "cpu": f"{cpu_model()}, {os.cpu_count()} logical CPUs",
        "openblas_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS_")},
        "memory": memory_label(),
        "openblas": blas,
        "loadavg": os.getloadavg(),
    }
    return info


def numpy_info(np):
    import contextlib
    import io
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        np.show_config()
    summary = []
    for section in ("blas_opt_info", "lapack_opt_info"):
        match = re.search(section + r":\n(?:\s+.*\n)*?\s+libraries = (\[.*?\])", text.getvalue())
        if match:
            summary.append(f"{section} libraries={match.group(1)}")
    return {"numpy": np.__version__, "numpy_config": "; ".join(summary) or "show_config gave no BLAS section"}


def torch_info(torch):
    config = torch.__config__.show()
    keep = [line.strip(" -") for line in config.splitlines() if re.search(r"CPU capability|OpenMP", line)]
    blas = re.search(r"BLAS_INFO=([^,]+)", config)
    if blas:
        keep.append("BLAS_INFO=" + blas.group(1))
    return {"torch": torch.__version__, "torch_config": "; ".join(keep), "torch_threads": torch.get_num_threads()}


def set_torch_threads(torch, threads, info):
    """torch.set_num_threads(threads), recording the default it replaced."""
    info["torch_default_threads"] = torch.get_num_threads()
    torch.set_num_threads(threads)


def info_lines(infos):
    """The machine information of the children as Markdown-friendly lines (one per child, fields they share once)."""
    first = infos[0]
    lines = []
    versions = [f"Python {first['python']}"]
    if "numpy" in first:
        versions.append(f"numpy {first['numpy']} ({first['numpy_config']})")
    if "torch" in first:
        versions.append(f"torch {first['torch']} ({first['torch_config']})")
    lines.append("Software: " + ", ".join(versions) + ".")
    blas = first.get("openblas")
    if blas:
        lines.append(f"BLAS actually loaded: {blas['library']}, `{blas['config']}`, core kernels: **{blas['core']}**.")
    else:
        lines.append("BLAS actually loaded: no OpenBLAS library found in the process (not Linux, or another BLAS).")
    env = {k: v for k, v in first["openblas_env"].items() if k != "OPENBLAS_NUM_THREADS"}
    coretype = env.get("OPENBLAS_CORETYPE")
    lines.append(f"CPU: {first['cpu']}. OPENBLAS_CORETYPE: " + (f"**set to {coretype}**" if coretype else "unset")
                 + ". OPENBLAS_* variables: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "none")
                 + f". Memory: {first['memory']}.")
    for i in infos:
        threads = f"threads {i['threads']}: OpenBLAS reports {i['openblas']['threads'] if i.get('openblas') else '?'}"
        if "torch_threads" in i:
            threads += f", torch.get_num_threads() {i['torch_threads']} (default was {i.get('torch_default_threads', '?')})"
        load = ", ".join(f"{x:.2f}" for x in i["loadavg"])
        end = ", ".join(f"{x:.2f}" for x in i.get("loadavg_end", ()))
        lines.append(f"Run at {threads}; load average at start {load}" + (f", at end {end}" if end else "") + ".")
    return lines


def print_report(title, results, infos):
    print()
    print(f"### {title}")
    print()
    for line in info_lines(infos):
        print(line)
        print()
    print(markdown_table(results))
    if len({r["threads"] for r in results}) > 1:
        print()
        print("Better of the thread counts:")
        print()
        print(best_of_threads_table(results))
    warning = coretype_warning()
    if warning:
        print()
        print(warning)


def finish(args, title, results, info):
    """A child writes its rows for the parent; a run with an explicit --threads prints its own table."""
    info["loadavg_end"] = os.getloadavg()
    if args.json_out:
        write_child_output(args.json_out, results, info)
    else:
        print_report(title, results, [info])


def progress(message):
    print("#   " + message, file=sys.stderr, flush=True)
