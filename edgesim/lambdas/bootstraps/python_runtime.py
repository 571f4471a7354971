"""edgesim's Python runtime: a worker that speaks the Lambda Runtime API.

Runs in its own interpreter (`python -I -S -u`), so it uses the standard library only. It
imports `_HANDLER` from `LAMBDA_TASK_ROOT` (where pip-installed dependencies live too, as
on Lambda), then loops on /invocation/next; module-scope state survives between calls.
"""

import datetime
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

BASE = "/2018-06-01/runtime"
_real_time = time.time

# Standard-library modules Lambda's Python runtime has loaded before user code runs, beyond
# the ones this file imports itself: `decimal` (awslambdaric's marshaller) and `urllib.parse`,
# which code may reach after only `import urllib`, as the developer guide's sign-in redirect
# example does. `http.client` (with `email` and `ssl`, 6 MB a worker) is left out: current
# awslambdaric imports it only to report init errors and SnapStart restores.
LAMBDA_PRELOADED = ("decimal", "urllib.parse")


def install_clock(offset_ms: float) -> None:
    """edgesim's fixed clock (`--now`): shift wall time the function sees, not deadlines."""
    if not offset_ms:
        return
    offset = offset_ms / 1000.0
    time.time = lambda: _real_time() + offset
    time.time_ns = lambda: int((_real_time() + offset) * 1e9)

    class ShiftedDateTime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(time.time(), tz)

        @classmethod
        def utcnow(cls):
            return cls.now(datetime.timezone.utc).replace(tzinfo=None)

        @classmethod
        def today(cls):
            return cls.now()

    datetime.datetime = ShiftedDateTime


class MarshalError(Exception):
    """The handler's result cannot be serialised to JSON (Lambda's Runtime.MarshalError)."""


class RuntimeApi:
    """One keep-alive HTTP/1.1 connection to edgesim's Runtime API.

    A socket rather than `http.client`, which imports `email` and `ssl`: 8 of a worker's
    18 MB, one worker per concurrent invocation, to talk to one loopback server (aiohttp,
    `lambdas/runtime_api.py`) that always answers with a Content-Length.
    """

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host = address
        self.sock = socket.create_connection((host, int(port)))
        self.pending = b""

    def call(self, method, path, body=None, headers=None):
        """Status, headers (lower-case names) and body of one request."""
        body = body or b""
        head = [f"{method} {BASE}{path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        while b"\r\n\r\n" not in self.pending:
            self._receive()
        block, self.pending = self.pending.split(b"\r\n\r\n", 1)
        status_line, *lines = block.decode("latin-1").split("\r\n")
        answer = {}
        for line in lines:
            name, _, value = line.partition(":")
            answer[name.strip().lower()] = value.strip()
        length = int(answer.get("content-length", "0"))
        while len(self.pending) < length:
            self._receive()
        content, self.pending = self.pending[:length], self.pending[length:]
        return int(status_line.split(" ", 2)[1]), answer, content

    def _receive(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the Runtime API closed the connection")
        self.pending += data

    def post_error(self, path, error):
        body = json.dumps(error).encode()
        headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]}
        self.call("POST", path, body, headers)


class LambdaContext:
    """The `context` argument, with the fields and method Lambda's Python runtime gives."""

    def __init__(self, request_id: str, deadline_ms: int, arn: str) -> None:
        env = os.environ
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - _real_time() * 1000))


class RequestIdFilter(logging.Filter):
    request_id = None

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def install_logging() -> None:
    """The root logger prints as Lambda's does: level, UTC time, request id, message."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RequestIdFilter())
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s")
    formatter.converter = time.gmtime
    formatter.default_time_format = "%Y-%m-%dT%H:%M:%S"
    formatter.default_msec_format = None
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def error_body(exc: BaseException, error_type: str | None = None) -> dict:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def load_handler(api: RuntimeApi):
    spec = os.environ.get("_HANDLER", "lambda_function.lambda_handler")
    module_path, _, name = spec.rpartition(".")
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        fail_init(api, exc, "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}")
    except ImportError as exc:
        fail_init(api, exc, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
    except Exception as exc:
        fail_init(api, exc, None, str(exc))
    handler = getattr(module, name, None)
    if not callable(handler):
        fail_init(api, None, "Runtime.HandlerNotFound", f"Handler '{name}' missing on module '{module_name}'")
    return handler


def fail_init(api: RuntimeApi, exc, error_type, message) -> None:
    body = error_body(exc, error_type) if exc else {"errorType": error_type, "stackTrace": []}
    body["errorMessage"] = message
    print(f"[ERROR] {body['errorType']}: {message}", flush=True)
    api.post_error("/init/error", body)
    sys.exit(1)


def open_debugger() -> None:
    """`serve --inspect`: debugpy listening on this function's port, on loopback only.

    debugpy comes from edgesim's own environment, loaded from its folder by path: that
    folder never joins `sys.path`, so the function can import only what it could on Lambda.
    Right after a reload the previous version's worker may hold the port a moment longer.
    """
    port = os.environ.pop("EDGESIM_INSPECT_PORT", None)
    home = os.environ.pop("EDGESIM_DEBUGPY_HOME", None)
    if not port or not home:
        return
    import importlib.util

    package = os.path.join(home, "debugpy")
    spec = importlib.util.spec_from_file_location("debugpy", os.path.join(package, "__init__.py"),
                                                  submodule_search_locations=[package])
    debugpy = importlib.util.module_from_spec(spec)
    sys.modules["debugpy"] = debugpy
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no warning about frozen stdlib modules
    try:
        spec.loader.exec_module(debugpy)
    except Exception as exc:  # unreadable by this worker's user, or too old for this Python
        del sys.modules["debugpy"]
        print(f"edgesim: no debugger for this worker: debugpy from {home} does not load: {exc!r}", flush=True)
        return
    reason = None
    for _ in range(30):
        try:
            debugpy.listen(("127.0.0.1", int(port)))
            return
        except (RuntimeError, OSError) as exc:
            reason = exc
            time.sleep(0.1)
    print(f"edgesim: no debugger for this worker: 127.0.0.1:{port}: {reason}", flush=True)


def main() -> None:
    for name in LAMBDA_PRELOADED:
        importlib.import_module(name)
    install_clock(float(os.environ.get("EDGESIM_CLOCK_OFFSET_MS") or 0))
    install_logging()
    open_debugger()
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    handler = load_handler(api)
    while True:
        _, headers, body = api.call("GET", "/invocation/next")
        request_id = headers["lambda-runtime-aws-request-id"]
        RequestIdFilter.request_id = request_id
        context = LambdaContext(
            request_id, int(headers["lambda-runtime-deadline-ms"]), headers["lambda-runtime-invoked-function-arn"]
        )
        try:
            value = handler(json.loads(body), context)
            try:
                result = json.dumps(value).encode()
            except (TypeError, ValueError) as exc:
                raise MarshalError(f"Unable to marshal response: {exc}") from None
        except Exception as exc:
            error = error_body(exc, "Runtime.MarshalError" if isinstance(exc, MarshalError) else None)
            trace = "".join(error["stackTrace"])
            print(f"[ERROR] {error['errorType']}: {exc}\nTraceback (most recent call last):\n{trace}", flush=True)
            api.post_error(f"/invocation/{request_id}/error", error)
        else:
            api.call("POST", f"/invocation/{request_id}/response", result, {"Content-Type": "application/json"})
        RequestIdFilter.request_id = None


if __name__ == "__main__":
    main()
