"""Every public function and class has a numpydoc docstring matching its signature."""

import inspect

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

import skmtl  # noqa: E402
from skmtl import (  # noqa: E402
    datasets,
    losses,
    neural,
    outofcore,
    penalties,
    plotting,
    representation,
    solvers,
    structures,
)
from skmtl.penalties import prox  # noqa: E402

# Errors we enforce: parameters documented exactly, returns documented, summary.
_CONTRACT_MODULES = ("skmtl.losses", "skmtl.penalties")
_ENFORCED = {"PR01", "PR02", "PR03", "PR07", "PR10", "RT01", "SS01", "SS03", "GL08"}


def _public_objects():
    modules = [
        skmtl, datasets, losses, neural, outofcore, penalties, plotting, prox,
        representation, solvers, structures,
    ]  # fmt: skip
    seen = set()
    for module in modules:
        names = getattr(module, "__all__", None) or [
            name for name in vars(module) if not name.startswith("_")
        ]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not obj.__module__.startswith("skmtl") or obj in seen:
                continue
            seen.add(obj)
            yield f"{obj.__module__}.{obj.__qualname__}", obj
            if inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if method_name.startswith("_") or not inspect.isfunction(method):
                        continue
                    yield f"{obj.__module__}.{obj.__qualname__}.{method_name}", method


PUBLIC = dict(_public_objects())


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_docstring_is_valid_numpydoc(name):
    obj = PUBLIC[name]
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    one_line = len(doc.splitlines()) == 1
    if (
        obj.__module__.startswith(_CONTRACT_MODULES)
        and "." in obj.__qualname__
        and one_line
    ):
        # Methods of losses and penalties share one contract, written with its
        # parameters once in the module docstring; a one-line docstring that
        # states what the method computes is enough there.
        assert doc.endswith("."), name
        return
    result = numpydoc_validate.validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code in _ENFORCED]
    assert not errors, f"{name}: {errors}"


def test_estimator_docstrings_state_the_objective():
    for estimator in (skmtl.MultiTaskRegressor, skmtl.MultiTaskClassifier):
        doc = inspect.getdoc(estimator)
        assert ".. math::" in doc and "\\alpha" in doc and "\\Omega(W)" in doc
