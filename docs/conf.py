"""Sphinx configuration of the skmtl documentation.

Build (from the repository root, every warning an error)::

    pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html
"""

import os
import re
import warnings

import skmtl

project = "skmtl"
author = "The skmtl developers"
copyright = "The skmtl developers"
release = skmtl.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax is served from the built site itself (no CDN): the pages render
    # their formulas offline, and in a headless browser with no network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# -- autodoc / autosummary / numpydoc ---------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autosummary_ignore_module_all = False  # a module's __all__ is its public API
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Types in numpydoc parameter lists are written for people ("array-like of
# shape (n, d)"); cross-referencing them would warn on every such phrase.
numpydoc_xref_param_type = False

# References to scikit-learn's API (``:class:`~sklearn...```) render as plain
# code: the build needs no network, so no intersphinx inventories.

# -- MyST (docs/architecture.md) --------------------------------------------
myst_heading_anchors = 3

# -- sphinx-gallery ---------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "plot_gallery": "True",
    # "Examples using X" at the end of each API page.
    "doc_module": ("skmtl",),
    "backreferences_dir": "generated/backreferences",
}

# Examples run with one BLAS thread (the build machine has few cores) and the
# non-interactive matplotlib backend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings(
    "ignore",
    category=UserWarning,
    message="Matplotlib is currently using agg, which is a non-GUI backend",
)

# -- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skmtl {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    # The wide conversion tables of coming_from need the room of the right
    # sidebar.
    "secondary_sidebar_items": {
        "**": ["page-toc", "sourcelink"],
        "coming_from": [],
    },
}
html_sidebars = {"index": []}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = True
html_copy_source = True


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Document the members skmtl defines, not those scikit-learn supplies.

    ``get_params``, ``set_params``, the ``set_*_request`` routing methods and
    the like are scikit-learn's, documented there.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and (module.startswith("sklearn") or "_request" in name):
        return True
    return None  # no opinion: the default rules (and autosummary's) apply


# A bare name ending with "_" inside parentheses, as in a numpydoc type
# "ndarray of shape (n_features_in_,)": reStructuredText reads ``name_`` as a
# hyperlink reference, which fails the -W build ("Unknown target name").
_BARE_ATTRIBUTE = re.compile(r"(?<=[(\s,])([A-Za-z]\w*_)(?=[,)])")


def _literal_fitted_attributes(app, what, name, obj, options, lines):
    """Write bare fitted-attribute names in parentheses as code.

    ``of shape (n_features_in_,)`` becomes ``of shape (``n_features_in_``,)``,
    which is what the docstring means. Doctest lines and text already inside
    double backquotes are left alone.
    """
    for index, line in enumerate(lines):
        if line.lstrip().startswith((">>>", "...")):
            continue

        def literal(match, line=line):
            inside_code = line[: match.start()].count("``") % 2 == 1
            return match.group(0) if inside_code else f"``{match.group(1)}``"

        lines[index] = _BARE_ATTRIBUTE.sub(literal, line)


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)
    # Before numpydoc (priority 500) parses the docstring.
    app.connect("autodoc-process-docstring", _literal_fitted_attributes, priority=400)
