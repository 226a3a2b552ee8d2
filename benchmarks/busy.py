"""One CPU-bound process that a benchmark starts and stops: a busy machine."""

import subprocess
import sys

# A pure-Python loop that also ends when its parent does (it is re-parented,
# so getppid changes), checked about every 20 ms: a benchmark killed without
# its ``finally`` (SIGKILL, SIGTERM) leaves no loop behind.
BUSY_LOOP = """
import os
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(1_000_000):
        pass
"""


def start_busy_loop():
    """Start one CPU-bound process (:data:`BUSY_LOOP`) and return it.

    A separate interpreter, not a thread, so that it takes a core whatever
    the GIL does; it holds no BLAS pool of its own.
    """
    return subprocess.Popen(
        [sys.executable, "-c", BUSY_LOOP],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_busy_loop(process):
    """Stop the process of :func:`start_busy_loop` (kill it if it lingers)."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
