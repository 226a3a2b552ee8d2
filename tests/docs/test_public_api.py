"""Every name that docs/api.rst documents imports from its documented path.

The autosummary entries of the "Estimators" and "Functions" sections are
names of ``skmtl`` (``.. currentmodule:: skmtl``): ``from skmtl import X``
must work, and ``skmtl.__all__`` must be exactly those names. The entries of
"Submodules" are modules ``skmtl.<name>``: each must import, and every name
of its ``__all__`` (the public API that autosummary documents, see
``autosummary_ignore_module_all`` in docs/conf.py) must resolve.
"""

import importlib
import inspect
import re
from pathlib import Path

import pytest

import skmtl

API = Path(__file__).resolve().parents[2] / "docs" / "api.rst"
# Documented submodules without __all__: autosummary documents the public
# classes and functions defined in them. No other module may lose its __all__.
WITHOUT_ALL = {"model_selection", "representation"}


def _sections(text):
    """``{section title: [autosummary entries]}`` of an rst page."""
    sections, title, entries = {}, None, None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1]):
            title = line.strip()
            sections.setdefault(title, [])
            entries = None
        elif line.startswith(".. autosummary::"):
            entries = sections.setdefault(title, [])
        elif entries is not None:
            if re.fullmatch(r"\s+:\w+:.*", line) or not line.strip():
                continue  # an option of the directive, or a blank line
            match = re.fullmatch(r"\s+([\w.]+)\s*", line)
            if match is None:  # the end of the directive's content
                entries = None
            else:
                entries.append(match.group(1))
    return sections


SECTIONS = _sections(API.read_text())
ESTIMATORS = SECTIONS.get("Estimators", [])
FUNCTIONS = SECTIONS.get("Functions", [])
SUBMODULES = SECTIONS.get("Submodules", [])
# Warnings are documented one by one (``.. autoexception:: Name``).
WARNINGS = re.findall(r"^\.\. autoexception:: (\w+)$", API.read_text(), re.M)


def test_api_page_has_the_three_sections():
    assert API.read_text().count(".. currentmodule:: skmtl\n") == 1
    for name, entries in [
        ("Estimators", ESTIMATORS),
        ("Functions", FUNCTIONS),
        ("Submodules", SUBMODULES),
    ]:
        assert entries, f"docs/api.rst: no autosummary entries under {name!r}"
        assert len(entries) == len(set(entries)), f"{name}: duplicates {entries}"


def test_sections_parser_reads_autosummary_entries():
    text = (
        "Title\n=====\n\nOne\n---\n\n.. autosummary::\n   :toctree: generated/\n\n"
        "   A\n   b_c\n\nSome text.\n\n   indented text\n\nTwo\n---\n\n"
        ".. autosummary::\n\n   mod\n"
    )
    assert _sections(text) == {"One": ["A", "b_c"], "Two": ["mod"]}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_documented_estimator_imports_from_skmtl(name):
    namespace = {}
    exec(f"from skmtl import {name}", namespace)
    assert inspect.isclass(namespace[name]), f"skmtl.{name} is not a class"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_documented_function_imports_from_skmtl(name):
    namespace = {}
    exec(f"from skmtl import {name}", namespace)
    assert inspect.isfunction(namespace[name]), f"skmtl.{name} is not a function"


@pytest.mark.parametrize("name", WARNINGS)
def test_documented_warning_imports_from_skmtl(name):
    namespace = {}
    exec(f"from skmtl import {name}", namespace)
    assert issubclass(namespace[name], Warning), f"skmtl.{name} is not a warning"


def test_skmtl_all_is_the_documented_estimators_functions_and_warnings():
    assert len(skmtl.__all__) == len(set(skmtl.__all__)), skmtl.__all__
    assert sorted(skmtl.__all__) == sorted(ESTIMATORS + FUNCTIONS + WARNINGS)


@pytest.mark.parametrize("name", SUBMODULES)
def test_documented_submodule_imports_and_its_all_resolves(name):
    module = importlib.import_module("skmtl." + name)
    assert getattr(skmtl, name) is module  # also reachable as skmtl.<name>
    public = getattr(module, "__all__", None)
    if public is None:
        assert name in WITHOUT_ALL, f"skmtl.{name} has no __all__"
        defined = [
            obj
            for attr, obj in vars(module).items()
            if not attr.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module.__name__
        ]
        assert defined, f"skmtl.{name} defines no public class or function"
        return
    assert public, f"skmtl.{name}.__all__ is empty"
    assert len(public) == len(set(public)), f"skmtl.{name}.__all__: {public}"
    missing = [attr for attr in public if not hasattr(module, attr)]
    assert not missing, f"skmtl.{name}.__all__ names {missing}, which do not exist"
