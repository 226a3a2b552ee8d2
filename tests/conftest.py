"""Configuration shared by every test folder.

The tests are grouped by layer, mirroring the package: ``layout/``,
``datafits/``, ``penalties/``, ``solvers/``, ``structures/``, ``estimators/``,
``datasets/``, ``neural/``, ``outofcore/`` and ``docs/``. The folders are not
packages (no ``__init__.py``): pytest imports each test file by its basename,
so basenames must be unique across folders.

The helpers written once for all folders live in ``tests/_helpers.py``
(``from _helpers import melt, kkt_violations, ...``); this file puts
``tests/`` on ``sys.path`` so that the import works from any sub-folder and in
any import mode. (They are not defined here: ``from conftest import ...``
breaks as soon as a sub-folder has its own ``conftest.py``, since pytest
imports each under the same name ``conftest``.)
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
