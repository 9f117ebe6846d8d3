"""The project's two descriptions of its dependencies must agree, and the entry points exist."""
import re
import subprocess
import sys
import tomllib

from conftest import REPO


def _pyproject_requirements() -> list[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    return data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]


def _environment_requirements() -> list[str]:
    lines = (REPO / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\s+- pip:\s*$", line))
    reqs = [line.strip()[2:].strip() for line in lines[start + 1:] if line.strip().startswith("- ")]
    return [r for r in reqs if r != "-e ."]


def test_environment_yml_matches_pyproject():
    assert _environment_requirements() == _pyproject_requirements(), (
        "environment.yml's pip list must equal pyproject.toml's dependencies + test extras, "
        "in the same order")


def test_console_scripts_run():
    for module in ("labcloud.cli", "autograder.cli"):
        result = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr


def test_ci_calls_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert "./test.sh" in readme and "./start.sh" in readme
    assert "bash ./test.sh" in (REPO / ".ci" / "run").read_text()
