"""rft installed as a plain (non-editable) package still works when run from a source checkout.

From a checkout's root, the working directory's `rft/` (the core, without `verifiers/`, which
installs as `rft.verifiers` from its own top-level folder) must never shadow the installed package,
in this process or in any child process rft starts (the sympy worker, verifier workers, the sandbox).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

# settled by sympy: 2 * 2^4999 overflows rft's numeric evaluation
SYMPY_ROW = {"completion": r"The value is $\boxed{2 \cdot 2^{4999}}$.", "answer": "2^{5000}", "label": True}
CODE_ROWS = [{"completion": "```python\ndef add(a, b):\n    return a + b\n```", "answer": "", "label": True,
              "test_list": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]},
             {"completion": "```python\ndef add(a, b):\n    return a - b\n```", "answer": "", "label": False,
              "test_list": ["assert add(1, 2) == 3"]}]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with rft installed from a copy of this checkout, not editable; its other
    dependencies are this environment's (a .pth line), since no package index is needed for them."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv*", "runs", "build", "*.egg-info",
                                                              "__pycache__", ".pytest_cache", ".hypothesis"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "_rft_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index", "--no-deps",
                    "--no-build-isolation", str(src)], check=True, capture_output=True)
    return venv


def test_the_installed_package_is_not_editable(installed):
    code = "import rft, rft.verifiers; print(rft.__file__); print(rft.verifiers.__file__)"
    out = subprocess.run([installed / "bin" / "python", "-I", "-c", code], capture_output=True, text=True,
                         check=True, cwd="/").stdout.split()
    assert all(p.startswith(str(installed)) for p in out), out


def test_rft_verify_from_the_checkout_root_reaches_sympy_and_the_sandbox(installed, tmp_path):
    math_rows, code_rows = tmp_path / "math.jsonl", tmp_path / "code.jsonl"
    math_rows.write_text(json.dumps(SYMPY_ROW) + "\n")
    code_rows.write_text("".join(json.dumps(r) + "\n" for r in CODE_ROWS))
    rft = installed / "bin" / "rft"
    for data, verifier, want in ((math_rows, "math", (1, 0)), (code_rows, "code", (1, 1))):
        proc = subprocess.run([rft, "verify", str(data), "--verifier", verifier, "--json", "--out", "/dev/null"],
                              cwd=ROOT, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr[-2000:]
        report = json.loads(proc.stdout)
        assert report["outcomes"]["error"] == 0, report["disagreements"]
        assert (report["tp"], report["tn"]) == want, report["disagreements"]
    assert (ROOT / "rft").is_dir() and not (ROOT / "rft" / "verifiers").exists()  # the shadow was really there
