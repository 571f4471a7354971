"""How each Lambda runtime is started: the command line and its defaults.

A runtime is just a way to start a process that speaks the Runtime API. Node.js and
Python use edgesim's bootstraps (in `bootstraps/`) with the interpreters on this
machine; `provided.*` runs the function's own executable `bootstrap`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BOOTSTRAPS = Path(__file__).parent / "bootstraps"

NODE_RUNTIMES = frozenset({"nodejs18.x", "nodejs20.x", "nodejs22.x"})
PYTHON_RUNTIMES = frozenset(
    {"python3.9", "python3.10", "python3.11", "python3.12", "python3.13"}
)
CUSTOM_RUNTIMES = frozenset({"provided.al2023", "provided.al2"})
RUNTIMES = NODE_RUNTIMES | PYTHON_RUNTIMES | CUSTOM_RUNTIMES

# Default handlers, as the Lambda console creates them.
DEFAULT_HANDLER_MODULE = {"node": "index", "python": "lambda_function"}
DEFAULT_HANDLER_FUNCTION = {"node": "handler", "python": "lambda_handler", "custom": "handler"}

class RuntimeUnavailable(Exception):
    """The runtime cannot start on this machine (e.g. no `node` on PATH)."""


def family(runtime: str) -> str:
    """`node`, `python` or `custom`; raises ValueError for a runtime edgesim does not know."""
    if runtime in NODE_RUNTIMES:
        return "node"
    if runtime in PYTHON_RUNTIMES:
        return "python"
    if runtime in CUSTOM_RUNTIMES:
        return "custom"
    raise ValueError(f"unsupported runtime {runtime!r} (supported: {', '.join(sorted(RUNTIMES))})")


def node_missing_reason() -> str | None:
    """Why Node.js functions cannot run here, or None when `node` is on PATH."""
    if shutil.which("node"):
        return None
    return "Node.js runtimes need `node` on PATH, and none was found"


def default_handler(runtime: str, code_path: Path) -> str:
    """Lambda's console default, or `<file stem>.<function>` when the code is one file."""
    kind = family(runtime)
    if kind == "custom":
        return DEFAULT_HANDLER_FUNCTION["custom"]
    module = code_path.stem if code_path.is_file() else DEFAULT_HANDLER_MODULE[kind]
    return f"{module}.{DEFAULT_HANDLER_FUNCTION[kind]}"


def task_root(code_path: Path) -> Path:
    """`LAMBDA_TASK_ROOT`: the code directory (the file's directory for a single file)."""
    return code_path.parent if code_path.is_file() else code_path


@functools.lru_cache(maxsize=None)
def _node_major(node: str) -> str:
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return version.strip().removeprefix("v").split(".")[0] or "unknown"


@functools.lru_cache(maxsize=None)
def _working_python(version: str) -> str | None:
    """`pythonX.Y` from PATH if it really starts (pyenv shims exist for versions not installed)."""
    found = shutil.which(f"python{version}")
    if found is None:
        return None
    try:
        probe = subprocess.run([found, "-I", "-S", "-c", ""], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found if probe.returncode == 0 else None


@functools.lru_cache(maxsize=None)
def _python_version(python: str) -> str:
    try:
        probe = subprocess.run([python, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return probe.stdout.strip() or "unknown"


def _everywhere_on_path(name: str) -> list[str]:
    """Every `name` on PATH, not just the first (a pyenv shim hides /usr/bin's)."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return [found for d in dirs if d and (found := shutil.which(name, path=d))]


def _choose_python(version: str, runnable: Callable[[str], bool]) -> tuple[str, tuple[str, ...]]:
    """`pythonX.Y`, else the Python running edgesim, else `python3`: the first one `runnable`
    accepts (a sandboxed worker cannot run an interpreter under /root), else the first found."""
    wanted = _working_python(version)
    found = [p for p in (wanted, sys.executable, *_everywhere_on_path(f"python{version}"), *_everywhere_on_path("python3")) if p]
    python = next((p for p in found if runnable(p)), found[0])
    if python == wanted:
        return python, ()
    why = "cannot be run by the sandbox's user" if wanted else "not found on PATH"
    return python, (f"python{version}: python{version} {why}, running with Python {_python_version(python)}",)


@dataclass(frozen=True)
class LaunchPlan:
    """The command that starts one worker (memory is watched by `memory.py`)."""

    argv: tuple[str, ...]
    cwd: Path
    execution_env: str
    notes: tuple[str, ...] = ()


def launch_plan(
    runtime: str, code_path: Path, memory_mb: int, runnable: Callable[[str], bool] = lambda _: True
) -> LaunchPlan:
    """Resolve a runtime to an interpreter on this machine (raises RuntimeUnavailable);
    `runnable` says which interpreters to prefer."""
    kind = family(runtime)
    root = task_root(code_path)
    env_name = f"AWS_Lambda_{runtime}"
    if kind == "node":
        node = shutil.which("node")
        if node is None:
            raise RuntimeUnavailable(node_missing_reason())
        argv = (node, f"--max-old-space-size={memory_mb}", str(BOOTSTRAPS / "node_runtime.js"))
        wanted, have = runtime.removeprefix("nodejs").removesuffix(".x"), _node_major(node)
        notes = (f"{runtime}: running with the node on PATH, version {have}",) if have != wanted else ()
        return LaunchPlan(argv, root, env_name, notes)
    if kind == "python":
        python, notes = _choose_python(runtime.removeprefix("python"), runnable)
        argv = (python, "-I", "-S", "-u", str(BOOTSTRAPS / "python_runtime.py"))
        return LaunchPlan(argv, root, env_name, notes)
    bootstrap = root / "bootstrap"
    if not bootstrap.is_file():
        raise RuntimeUnavailable(f"{runtime}: no executable 'bootstrap' in {root}")
    return LaunchPlan((str(bootstrap),), root, env_name)
