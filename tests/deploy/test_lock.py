"""Pinned dependencies: requirements.lock (the services, as the Dockerfile installs them) and
requirements-dev.lock (plus the tools, as `make install` and CI install them) pin every
dependency of pyproject.toml to one version with hashes; both agree; this environment was
installed from them; `make audit` runs pip-audit against exactly them (here as a dry run:
the real audit asks PyPI's advisory data)."""

import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    """package -> pinned version; fails unless every pin carries at least one sha256 hash."""
    text = (ROOT / name).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    found = {}
    for block in blocks:
        match = PIN.match(block)
        assert match, f"{name}: not a pinned requirement: {block[:80]!r}"
        assert "--hash=sha256:" in block, f"{name}: {match[1]} has no hash"
        found[canonicalize_name(match[1])] = match[2]
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    return [Requirement(r) for r in (PROJECT["optional-dependencies"][extra] if extra else PROJECT["dependencies"])]


def test_every_dependency_is_pinned_with_hashes_and_satisfies_pyproject():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for requirement, lock in [(r, runtime) for r in declared()] + [(r, dev) for r in declared("dev")]:
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement} is not in the lock: run `make lock`"
        assert requirement.specifier.contains(lock[name], prereleases=True), (requirement, lock[name])
    # The dev lock adds tools; it never pins a service dependency differently.
    assert {n: v for n, v in dev.items() if n in runtime} == runtime


def test_this_environment_was_installed_from_the_dev_lock():
    wrong = {}
    for name, pinned in pins("requirements-dev.lock").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"installed versions differ from requirements-dev.lock (pinned, installed): {wrong}"


def test_make_install_the_dockerfile_and_ci_use_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q --require-hashes -r $(DEV_LOCK)" in makefile
    assert "pip install -q --no-deps -e ." in makefile and "DEV_LOCK := requirements-dev.lock" in makefile
    assert "-e '.[dev]'" not in makefile, "an unpinned install would bypass the lock"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY requirements.lock ./" in dockerfile
    assert "RUN pip install --require-hashes -r requirements.lock" in dockerfile
    assert re.search(r"^make install$", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)


def test_make_audit_runs_pip_audit_on_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\naudit:"):].split("\n\n")[0]
    assert "pip-audit" in recipe and "-r $(LOCK) -r $(DEV_LOCK)" in recipe and "--require-hashes" in recipe
    # The same command, without asking for advisories: it reads both lock files as pip-audit would.
    command = recipe.splitlines()[-1].strip().replace("$(BIN)/", str(Path(sys.executable).parent) + "/")
    command = command.replace("$(LOCK)", "requirements.lock").replace("$(DEV_LOCK)", "requirements-dev.lock")
    done = subprocess.run([*command.split(), "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"would have audited {len(pins('requirements-dev.lock') | pins('requirements.lock'))} packages" in \
        done.stderr + done.stdout
