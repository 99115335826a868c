"""The layers of the README hold: import-linter's contracts pass, and an upward import breaks them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), str(tree / "pyproject.toml"), "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the code, so a test may break it."""
    for name in ("wxbackend", "jobs"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")
def test_layer_contracts_hold_and_an_upward_import_breaks_them(tree: Path) -> None:
    kept = _lint(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    module = tree / "wxbackend" / "review" / "engine.py"  # a platform module reaching up into the console
    module.write_text(module.read_text() + "\nfrom wxbackend.console import review as _upward  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "wxbackend.review is not allowed to import wxbackend.console" in broken.stdout


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")
def test_the_application_never_imports_jobs(tree: Path) -> None:
    module = tree / "wxbackend" / "signing" / "services.py"
    module.write_text(module.read_text() + "\nimport jobs.pdf as _jobs  # noqa\n")
    broken = _lint(tree)
    assert broken.returncode != 0 and "wxbackend never imports jobs" in broken.stdout


def test_the_repository_stands_on_its_own() -> None:
    """No tracked file points outside the repository (the README and the code explain themselves)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    outside = re.compile(r"\.\./" + "shared|/work/" + "shared|" + "|".join(
        re.escape(name + ".md") for name in ("DOMAIN", "CODES", "CONVENTIONS", "STACK-NOTES")))
    offenders = [name for name in files
                 if (ROOT / name).is_file() and outside.search((ROOT / name).read_text(errors="ignore"))]
    assert not offenders, offenders


def test_make_run_installs_only_what_running_needs() -> None:
    """`make run` installs the package without the test extras and only the run-time Debian packages."""
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run: (.*)$", makefile, re.M)
    assert run is not None and run.group(1).split() == ["install-run", "run-deps"]
    assert "pip install -q -e .\n" in makefile
    assert "system-deps.sh run" in makefile
    script = (ROOT / ".ci" / "system-deps.sh").read_text()
    run_part = script.split('if [ "$mode" = test ]')[0]
    assert "chromium" not in run_part.split("need=()")[1]
