"""The start-up check reads a Python handler with the grammar of the interpreter its workers run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edgesim.config.model import LambdaConfig
from edgesim.edge.code_check import syntax_error


def interpreter(version: str) -> str | None:
    """A `pythonX.Y` that really starts: pyenv's builds, where this machine keeps them."""
    for candidate in sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}")):
        if subprocess.run([str(candidate), "-c", "pass"], capture_output=True).returncode == 0:
            return str(candidate)
    return None


def handler(tmp_path: Path, runtime: str, source: str) -> tuple[LambdaConfig, Path]:
    module = tmp_path / "lambda_function.py"
    module.write_text(source)
    return LambdaConfig("py", runtime, "lambda_function.lambda_handler", tmp_path), module


MATCH_STATEMENT = "def lambda_handler(event, context):\n    match event:\n        case _:\n            return event\n"
NESTED_FSTRING_QUOTES = "def lambda_handler(event, context):\n    return f\"{event[\"Records\"]}\"\n"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs an edgesim Python older than 3.12")
def test_python312_handler_with_nested_fstring_quotes_passes_when_its_workers_run_312(tmp_path):
    python312 = interpreter("3.12")
    if python312 is None:
        pytest.skip("no python3.12 on this machine")
    lam, module = handler(tmp_path, "python3.12", NESTED_FSTRING_QUOTES)
    assert syntax_error(lam, module, python312) is None
    assert syntax_error(lam, module, sys.executable) == f"{module}:2:22: SyntaxError: f-string: unmatched '['"


def test_python39_handler_using_match_is_refused_with_39s_message_and_position(tmp_path):
    python39 = interpreter("3.9")
    if python39 is None:
        pytest.skip("no python3.9 on this machine")
    lam, module = handler(tmp_path, "python3.9", MATCH_STATEMENT)
    refused = syntax_error(lam, module, python39)
    assert refused == f"{module}:2:11: SyntaxError: invalid syntax"
    assert syntax_error(lam, module, sys.executable) is None
