"""Why the edge code a config associates cannot load, one `FILE:LINE:COL: message` line each.

CloudFront refuses to publish a function that does not parse, and a Lambda whose init
fails answers nothing but errors; so `edgesim serve` checks both before it listens, with
the parser's or the runtime's own words: QuickJS's message (tree-sitter only knows that
a node is an error) for CloudFront Functions, Python's `compile` or `node --check` for a
handler's syntax, and a real worker's init (the same bootstrap requests use) for a
missing module or a handler that is not exported.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import quickjs

from edgesim.config.model import EdgeConfig, FunctionConfig, LambdaConfig

INIT_TIMEOUT_S = 10.0
_QUICKJS_LINE = re.compile(r"at <input>:(\d+)")
_NODE_MESSAGE = re.compile(r"^\w*Error: .*")
# Run by the runtime's interpreter (3.9 and up): prints `LINE:COL: SyntaxError: message`.
_PYTHON_COMPILE = """import sys
try:
    compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec")
except SyntaxError as exc:
    print("%d:%d: %s: %s" % (exc.lineno or 1, exc.offset or 1, type(exc).__name__, exc.msg))
    sys.exit(1)
"""


class CodeLoadError(Exception):
    """Edge code that cannot load, found before the edge listens (`serve` without --watch)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when under it."""
    base = Path.cwd()
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


async def code_load_errors(config: EdgeConfig) -> list[str]:
    """Every reason an associated CloudFront Function or Lambda@Edge function cannot load."""
    return function_load_errors(config) + await lambda_load_errors(config)


def _associated(config: EdgeConfig, kind: str) -> list[str]:
    return sorted({a.name for b in config.distribution.all_behaviors() for a in b.associations if a.kind == kind})


def function_load_errors(config: EdgeConfig) -> list[str]:
    """Why any associated CloudFront Function would not load: the static check, then QuickJS."""
    errors: list[str] = []
    for name in _associated(config, "function"):
        errors.extend(_function_errors(config, config.functions[name]))
    return errors


def _function_errors(config: EdgeConfig, function: FunctionConfig) -> list[str]:
    from edgesim.functions.kvs import KeyValueStore, KeyValueStoreError
    from edgesim.functions.runtime import Engine, LoadError
    from edgesim.functions.static_check import check

    where = shown(Path(function.code_path))
    try:
        source = Path(function.code_path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{where}: cannot read function {function.name}: {exc}"]
    findings = check(source, function.runtime)
    syntax = [f for f in findings if f.message.startswith("syntax error")]
    quickjs_error = _quickjs_syntax_error(source) if syntax else None
    if quickjs_error is not None:
        line, message = quickjs_error
        column = next((f.column for f in syntax if f.line == line), 1)
        return [f"{where}:{line}:{column}: {message}"] + [
            f"{where}:{f.line}:{f.column}: {f.message}" for f in findings if f not in syntax
        ]
    if findings:
        return [f"{where}:{f.line}:{f.column}: {f.message}" for f in findings]
    store = None
    try:
        if function.key_value_store:
            store = KeyValueStore.load(Path(config.key_value_stores[function.key_value_store]), function.key_value_store)
        Engine(function.name, source, function.runtime, store=store)
    except (LoadError, KeyValueStoreError, OSError) as exc:
        return [f"{where}: function {function.name} cannot load: {exc}"]
    return []


def _quickjs_syntax_error(source: str) -> tuple[int, str] | None:
    """(line, QuickJS's message) when QuickJS cannot compile `source`; nothing of it runs."""
    from edgesim.functions.loader import factory_script

    context = quickjs.Context()
    context.eval("globalThis.__edgesim_env = {};")
    try:
        context.eval(factory_script(source))  # defines the factory; the user's code stays uncalled
    except quickjs.JSException as exc:
        text = str(exc)
        match = _QUICKJS_LINE.search(text)
        return (int(match[1]) if match else 1), text.splitlines()[0]
    return None


async def lambda_load_errors(config: EdgeConfig, *, init_timeout: float = INIT_TIMEOUT_S) -> list[str]:
    """Why any associated Lambda@Edge function would fail its init: its syntax, then a real worker's init."""
    from edgesim.lambdas.provider import LambdaRuntime, trigger_limits
    from edgesim.lambdas.runtimes import RuntimeUnavailable
    from edgesim.lambdas.worker import Worker, WorkerFailed

    names = _associated(config, "lambda")
    if not names:
        return []
    errors: list[str] = []
    runtime = LambdaRuntime(now=config.settings.now)
    await runtime.start()
    try:
        for name in names:
            lam = config.lambdas[name]
            assoc = next(a for b in config.distribution.all_behaviors() for a in b.associations if a.name == name)
            try:
                pool = runtime.pool(lam, "1", "us-east-1", trigger_limits(lam, assoc.event_type)[1], assoc.arn)
            except RuntimeUnavailable as exc:
                errors.append(f"{shown(lam.code_path)}: Lambda {name} cannot start: {exc}")
                continue
            module = handler_file(lam)
            interpreter = pool.spec.plan.argv[0]  # the one its workers run, which may not be edgesim's
            syntax = await asyncio.to_thread(syntax_error, lam, module, interpreter) if module else None
            if syntax:
                errors.append(syntax)
                continue
            worker = Worker(pool.spec, runtime.server, runtime.sandbox)  # sandboxed as its pool's would be
            try:
                await worker.start(init_timeout)
            except WorkerFailed as exc:
                errors.append(f"{shown(module or lam.code_path)}: {exc.error_type}: {exc}")
            finally:
                await worker.kill()
    finally:
        await runtime.close()
    return errors


def handler_file(lam: LambdaConfig) -> Path | None:
    """The file the handler's module names (`index.handler` -> index.js), as the bootstraps look it up."""
    from edgesim.lambdas.runtimes import family, task_root

    kind = family(lam.runtime)
    root = task_root(Path(lam.code_path))
    module = lam.handler.rpartition(".")[0]
    if kind == "node":
        candidates = [root / f"{module}{ext}" for ext in ("", ".js", ".mjs", ".cjs")]
    elif kind == "python":
        stem = root / module.replace(".", "/")
        candidates = [stem.with_name(stem.name + ".py"), stem / "__init__.py"]
    else:
        return None
    return next((c for c in candidates if c.is_file()), None)


def syntax_error(lam: LambdaConfig, module: Path, interpreter: str) -> str | None:
    """`FILE:LINE:COL: SyntaxError: ...` from the parser of the interpreter the workers run, or None.

    Python's grammar moves between versions (`match` came in 3.10, nested quotes in
    f-strings in 3.12), so the check compiles with that interpreter, not with edgesim's.
    """
    from edgesim.lambdas.runtimes import family

    if family(lam.runtime) == "python":
        return _python_syntax_error(module, interpreter)
    return _node_syntax_error(module, interpreter)


def _python_syntax_error(module: Path, python: str) -> str | None:
    done = subprocess.run([python, "-I", "-S", "-c", _PYTHON_COMPILE, str(module)],
                          capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return None
    said = done.stdout.strip() or (done.stderr.strip().splitlines() or [f"{python} could not compile it"])[-1]
    return f"{shown(module)}:{said}"


def _node_syntax_error(module: Path, node: str) -> str | None:
    """What `node --check` says, as one line: it prints `FILE:LINE`, the source line, a caret, the error."""
    done = subprocess.run([node, "--check", str(module)], capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return None
    lines = done.stderr.splitlines()
    line = lines[0].rpartition(":")[2] if lines else ""
    caret = next((text for text in lines[1:4] if text.strip().startswith("^")), None)
    column = caret.index("^") + 1 if caret else 1
    message = next((text for text in lines if _NODE_MESSAGE.match(text)), lines[-1] if lines else "node --check failed")
    return f"{shown(module)}:{line if line.isdigit() else 1}:{column}: {message}"
