"""How many BLAS threads a fit uses: one where the products are small.

A solver's iterations are many small matrix products. On a machine whose
cores are busy with other work, the threads of a threaded BLAS wait for a
core at every call, which made products and SVDs of the sizes of typical
fits 2 to several hundred times slower, depending on the operation and the
load (``benchmarks/RESULTS_threads.md``); one thread has nothing to wait
for. Threads pay only for products large enough to amortise the
hand-off, so a fit limits BLAS to one thread when one gradient of its data
term costs less than ``THREADED_WORK`` multiply-adds, and leaves the user's
setting alone otherwise. The limit holds inside the fit only (a threadpoolctl
context): the user's global settings are never changed.
"""

from contextlib import nullcontext

# Multiply-adds per iteration above which BLAS threads are left as they are:
# the crossover of X @ W measured on a 2-core machine with one other
# CPU-bound process (4e8 flops; 2e7 when idle; benchmarks/RESULTS_threads.md).
THREADED_WORK = 2e8

_controller = None


def _blas_controller():
    """One threadpoolctl controller for the process.

    Building one scans the loaded libraries (about 2 ms once scikit-learn and
    scipy are loaded); a cached one limits threads in about 10 us.
    """
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def blas_threads_for(work):
    """A context that limits BLAS to one thread when ``work`` is small.

    Parameters
    ----------
    work : float
        Multiply-adds of the largest operation repeated at every iteration
        (one gradient of the data term, or an SVD of the coefficients).

    Returns
    -------
    context : context manager
        ``threadpoolctl``'s limit to one BLAS thread while it is entered, or a
        context that does nothing when threads may pay.
    """
    if work >= THREADED_WORK:
        return nullcontext()
    return _blas_controller().limit(limits=1, user_api="blas")
