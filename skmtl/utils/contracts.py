"""Contracts as code: check that an object has every member a protocol lists.

The solvers state what they need from a datafit and a penalty as
:class:`typing.Protocol` classes (:class:`skmtl.datafits.base.Datafit`,
:class:`skmtl.penalties.base.SolverPenalty`) and check their arguments once,
before iterating, so that a new implementation missing a member fails with a
message naming it rather than with an ``AttributeError`` deep in a loop.
"""


def protocol_members(protocol):
    """Names of the attributes and methods a protocol declares.

    Parameters
    ----------
    protocol : type
        A :class:`typing.Protocol` subclass.

    Returns
    -------
    names : list of str
        Its annotated attributes and public methods, in declaration order.
    """
    names = []
    for klass in reversed(protocol.__mro__):
        if klass is object or not getattr(klass, "_is_protocol", False):
            continue
        names += [n for n in getattr(klass, "__annotations__", {}) if n not in names]
        names += [
            n
            for n, value in vars(klass).items()
            if callable(value) and not n.startswith("_") and n not in names
        ]
    return names


def require_members(obj, protocol, role, extra=()):
    """Raise a TypeError naming the members of ``protocol`` that ``obj`` lacks.

    Parameters
    ----------
    obj : object
        The object handed to a solver.
    protocol : type
        The :class:`typing.Protocol` it must satisfy.
    role : str
        What the object is for, used in the message (e.g. ``"datafit"``).
    extra : iterable of str, default=()
        Members required on top of the protocol's (those its capability flags
        promise, e.g. ``row_dual_norms`` for a row-separable penalty).
    """
    missing = [
        name for name in [*protocol_members(protocol), *extra] if not hasattr(obj, name)
    ]
    if missing:
        raise TypeError(
            f"{type(obj).__name__} cannot serve as the {role} of a solver: it lacks "
            f"{', '.join(missing)} (see {protocol.__module__}.{protocol.__qualname__})."
        )
