"""The layering contracts in pyproject.toml hold for the code, and they can fail: an import
planted against a layer breaks them (a contract that cannot fail guards nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGES = ("shared", "functions", "cli", "sandbox", "bench")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_of_the_code(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    for file in ("pyproject.toml", "function_app.py"):
        shutil.copy(REPO_ROOT / file, root / file)
    return root


def _plant(module: Path, line: str) -> None:
    text = module.read_text()
    marker = "from __future__ import annotations\n"
    module.write_text(text.replace(marker, f"{marker}\n{line}\n", 1))


def test_the_code_keeps_every_layering_contract(tmp_path: Path) -> None:
    result = _lint_imports(_copy_of_the_code(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_importing_the_sandbox_breaks_a_contract(tmp_path: Path) -> None:
    root = _copy_of_the_code(tmp_path)
    _plant(root / "shared" / "reconcile" / "planner.py", "import sandbox.scenario  # planted")
    result = _lint_imports(root)
    assert result.returncode != 0
    assert "the product never imports the sandbox, the CLI or the benchmarks BROKEN" in (
        result.stdout
    )
    assert "shared.reconcile.planner -> sandbox.scenario" in result.stdout


def test_a_service_importing_an_adapter_breaks_a_contract(tmp_path: Path) -> None:
    root = _copy_of_the_code(tmp_path)
    _plant(root / "shared" / "health" / "scope.py", "import shared.adapters.genesys  # planted")
    result = _lint_imports(root)
    assert result.returncode != 0
    assert "reach vendors and Azure only through ports BROKEN" in result.stdout


def test_the_domain_importing_a_service_breaks_the_layers(tmp_path: Path) -> None:
    root = _copy_of_the_code(tmp_path)
    _plant(root / "shared" / "domain" / "model.py", "import shared.handlers  # planted")
    result = _lint_imports(root)
    assert result.returncode != 0
    assert "entrypoints > composition root > services > ports > domain BROKEN" in result.stdout


def test_telemetry_choosing_azure_breaks_a_contract(tmp_path: Path) -> None:
    """Spans and metrics are recorded through the OpenTelemetry API alone; the exporter is
    the composition root's choice."""
    root = _copy_of_the_code(tmp_path)
    _plant(root / "shared" / "telemetry" / "metrics.py", "import azure.monitor  # planted")
    result = _lint_imports(root)
    assert result.returncode != 0
    assert "telemetry only records: no Azure, no vendor SDK, nothing of the product's BROKEN" in (
        result.stdout
    )
