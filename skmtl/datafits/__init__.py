"""Datafits: the smooth data term of an objective, under one contract.

The solvers call a datafit only through :class:`~skmtl.datafits.base.Datafit`.
Implementations: the sum of per-entry losses on a layout
(:class:`~skmtl.datafits.loss.LossDatafit`), the squared loss from its Gram
matrix (:mod:`~skmtl.datafits.gram`) or from its residual
(:mod:`~skmtl.datafits.residual`), and the wrappers that add smooth terms
(:mod:`~skmtl.datafits.smooth`) or split ``W`` into parts
(:mod:`~skmtl.datafits.parts`); the binary logistic loss on dask blocks
(:mod:`~skmtl.datafits.dask_logistic`) lives beside them.
"""
