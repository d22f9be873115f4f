"""core.warmup: what a fresh server imports and exercises before any page runs (issue 11, cold start)."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

from core.warmup import MODULES, READY, warm_up

ROOT = Path(__file__).resolve().parents[1]


def test_exercise_gives_exact_values():
    assert READY.slope == 6.0  # d/dx (x+2)(x-6) = 2x - 4 at 5
    assert READY.gradient[0] == 4.0 and math.isclose(READY.gradient[1], 1 + math.cos(2), rel_tol=1e-15)
    figure = json.loads(READY.figure)
    assert [t["type"] for t in figure["data"]] == ["scatter", "contour", "surface"]
    assert len(figure["frames"]) == 1 and figure["layout"]["sliders"][0]["pad"] == {"t": 30}
    assert READY.table_bytes > 0
    assert READY.modules == MODULES


def test_warm_up_runs_again_with_the_same_results():
    # Two runs now (not against READY: importing Streamlit, as any AppTest collected earlier does, changes Plotly's
    # default template, so a figure made before it differs in its template only).
    first, again = warm_up(modules=("numpy",)), warm_up(modules=("numpy",))
    assert (again.slope, again.gradient, again.figure, again.table_bytes) == (
        first.slope, first.gradient, first.figure, first.table_bytes)
    assert (again.slope, again.gradient, again.table_bytes) == (READY.slope, READY.gradient, READY.table_bytes)


def test_modules_are_listed_once_and_exist():
    assert len(set(MODULES)) == len(MODULES)
    assert all(name in sys.modules for name in MODULES)


def _page_imports() -> set[str]:
    """The core modules that app.py and the page scripts import."""
    found = set()
    for script in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]:
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core."):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("core."))
    return found - {"core.warmup"}


def test_every_core_module_a_page_imports_is_warmed_up():
    assert _page_imports() <= set(MODULES), sorted(_page_imports() - set(MODULES))


def test_a_fresh_interpreter_has_everything_initialised_after_the_import():
    """In a new process: the modules others peek at in sys.modules (Plotly looks up pandas, PIL.Image) are fully
    initialised, PyArrow's pandas bridge has pandas, and core (no Streamlit) stays free of Streamlit."""
    probe = (
        "import sys, core.warmup\n"
        "from _plotly_utils.optional_imports import get_module\n"
        "import pyarrow\n"
        "half = [n for n in ('pandas', 'pyarrow', 'PIL.Image', 'numpy', 'sympy', 'plotly.io._json')\n"
        "        if getattr(sys.modules[n].__spec__, '_initializing', False)]\n"
        "print(half, get_module('pandas', should_load=False).Series.__name__, pyarrow.lib._pandas_api.have_pandas,\n"
        "      'streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "Series", "True", "False"]
