"""The README's usage example runs and does what it says."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_usage_examples_run():
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 2, "README lost its python examples"
    namespace = {}
    for block in blocks:  # later examples build on earlier ones
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["model"].coef_.shape == (8, 30)
    assert namespace["model"].dual_gap_ >= 0
    probabilities = namespace["clf"].predict_proba(namespace["X"])
    assert len(probabilities) == 8
    assert all(np.allclose(p.sum(axis=1), 1.0) for p in probabilities)
    assert (
        len(namespace["per_school"].fit(namespace["rows"], namespace["y"]).tasks_) == 7
    )
    assert (
        namespace["search"].best_params_["multitaskregressor__alpha"]
        in namespace["grid"]
    )
    assert (
        0.0
        <= namespace["roc_auc_scorer"](
            namespace["classifier"], namespace["rows"], namespace["passed"]
        )
        <= 1.0
    )


def test_readme_quick_start_has_exactly_two_commands():
    text = README.read_text()
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", quick_start, flags=re.DOTALL)
    assert [c.strip() for c in commands] == [
        "pip install . && python -m skmtl.demo",
        'pip install -e ".[test]" && python -m pytest',
    ]
    ci_script = (README.parent / ".ci" / "run").read_text()
    assert commands[1].strip() in ci_script
