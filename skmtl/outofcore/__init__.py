"""Fits of the squared loss from sufficient statistics: data larger than memory.

For the squared loss, the whole objective depends on the data only through a
few sums per task: the (weighted) number of samples, the means of ``x`` and
``y``, and the centred products :math:`X_c^\\top X_c`, :math:`X_c^\\top Y_c`
and :math:`\\|Y_c\\|^2`. :class:`MultiTaskMoments` accumulates them chunk by
chunk (``partial_fit``), merges partial results computed elsewhere
(``merge``), or reduces a dask collection blockwise on a cluster
(``from_dask``); :meth:`skmtl.MultiTaskRegressor.fit_from_statistics` then
fits any penalty on these (d, d) statistics with the same objective, hence the
same solution, as an in-memory fit.

Chunks are merged with the pairwise update of centred moments (Chan, Golub &
LeVeque 1979), not by summing raw products, so that features with large means
lose no precision however many rows are reduced.
"""

from .dask import fit_dask
from .statistics import MultiTaskGram, MultiTaskMoments

__all__ = ["MultiTaskMoments", "MultiTaskGram", "fit_dask"]
