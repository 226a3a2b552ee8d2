"""Data layouts: from the user's input to one internal form of multi-task data.

:mod:`~skmtl._layout.tasks` turns both public layouts (a shared design with a
target column per task, or one row per observation with a task column) into
observations; :mod:`~skmtl._layout.designs` stores them as entries that the
datafits read. No other module knows task columns or missing-target masks.
"""
