#!/usr/bin/env python3
"""Gradient Lab's two commands, for a fresh clone with Python 3.11+:

    python3 dev.py app     install what is missing into .venv, then serve the app at http://localhost:8501
    python3 dev.py test    install what is missing into .venv, then run the whole test suite (unit, app, browser)

Extra arguments after `test` go to pytest (e.g. `python3 dev.py test -k expressions`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = {"app": "requirements.txt", "test": "requirements-dev.txt", "bench": "requirements-bench.txt"}


def ensure_environment(requirements: str) -> None:
    """Create .venv once and pip-install `requirements` whenever its text (or an included file's) changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Gradient Lab needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(
        b"".join((ROOT / f).read_bytes() for f in sorted(set(REQUIREMENTS.values())))
    ).hexdigest()[:16]
    stamp = VENV / f".installed-{Path(requirements).stem}-{digest}"
    if stamp.exists():
        return
    print(f"Installing {requirements} ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    "-r", str(ROOT / requirements)], check=True)
    stamp.touch()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command not in REQUIREMENTS:
        print(__doc__)
        return 2
    ensure_environment(REQUIREMENTS[command])
    os.chdir(ROOT)
    if command == "app":
        return subprocess.call([str(PYTHON), "-m", "streamlit", "run", "app.py", "--server.port=8501", *argv[1:]])
    if command == "test":
        return subprocess.call([str(PYTHON), "-m", "pytest", *argv[1:]])
    benches = sorted(str(p) for p in (ROOT / "tests" / "benchmarks").glob("bench_*.py"))
    return max((subprocess.call([str(PYTHON), b]) for b in (argv[1:] or benches)), default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
