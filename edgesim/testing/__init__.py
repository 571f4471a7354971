"""Test your edge code with pytest: edges in process, the CLI's runners, edge assertions.

The fixtures come from the `edgesim` pytest plugin (see `edgesim.testing.plugin`); the
helpers below are plain functions, usable from any test.
"""

from importlib import import_module
from typing import Any

# Loaded on first use: pytest imports this package for the plugin in every session.
_EXPORTS = {
    "assert_cookie_set": "assertions",
    "assert_header": "assertions",
    "assert_hooks_ran": "assertions",
    "assert_no_header": "assertions",
    "assert_redirect": "assertions",
    "assert_x_cache": "assertions",
    "ExchangeRecorder": "local",
    "LocalEdge": "local",
    "SyncEdge": "sync",
    "EdgeCodeUsageError": "run",
    "invoke_lambda": "run",
    "run_function": "run",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'edgesim.testing' has no attribute {name!r}")
    return getattr(import_module(f"edgesim.testing.{_EXPORTS[name]}"), name)
