"""Start the processes a bench measures: bundled origins and `edgesim serve`, each on a free port.

`python -m bench.processes fixed|starlette` runs a baseline server of its own (see `main`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_origin(kind: str, *extra: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "origins", kind, "--port", "0", *extra], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    return process, line.removeprefix("listening on ")


def start_edgesim(config: Path | None, *args: str) -> tuple[subprocess.Popen, str, float]:
    """Start `edgesim serve` (the demo when config is None); return it, its URL and the seconds to its first answer."""
    started = time.perf_counter()
    target = [str(config)] if config is not None else []
    process = subprocess.Popen([sys.executable, "-m", "edgesim", "serve", *target, "--port", "0", *args],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = ""
    while not url:
        line = process.stderr.readline()
        if not line:
            raise RuntimeError("edgesim serve exited before listening")
        if " at http://" in line:
            url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
    threading.Thread(target=process.stderr.read, daemon=True).start()
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.01)
    return process, url, time.perf_counter() - started


def children(pid: int) -> list[int]:
    """The live descendants of a process, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


BODY = json.dumps({"edge": "edgesim", "bench": "end-to-end", "items": list(range(40))}).encode()
"""The bytes every baseline answers (and the fixed origin serves to edgesim)."""


def start_baseline(kind: str) -> tuple[subprocess.Popen, str]:
    """Start `python -m bench.processes KIND` and return it and its URL once it answers."""
    process = subprocess.Popen([sys.executable, "-m", "bench.processes", kind], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().strip().removeprefix("listening on ")
    if not url.startswith("http://"):
        stop(process)
        raise RuntimeError(f"bench.processes {kind} did not start")
    wait_answer(url + "/data.json")
    return process, url


def wait_answer(url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Nginx:
    """nginx as a reverse proxy in a temp dir: one worker, keepalive upstream pool, loopback port."""

    def __init__(self, upstream: str) -> None:
        self.binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        self.upstream = upstream.removeprefix("http://")
        self.process: subprocess.Popen | None = None
        self.dir: tempfile.TemporaryDirectory | None = None
        self.url = ""

    def start(self) -> str:
        if self.binary is None:
            raise FileNotFoundError("nginx")
        self.dir = tempfile.TemporaryDirectory(prefix="edgesim-nginx-")
        root = Path(self.dir.name)
        port = free_port()
        temps = "\n".join(f"    {name}_temp_path {root}/{name};" for name in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (root / "nginx.conf").write_text(f"""daemon off;
worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temps}
    upstream origin {{ server {self.upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
""")
        self.process = subprocess.Popen([self.binary, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{port}"
        wait_answer(self.url + "/data.json")
        return self.url

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        if self.dir is not None:
            self.dir.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loadgen(url: str, path: str, *, requests: int, concurrency: int):
    """Run `edgesim.bench.loadgen` in a child process and return its LoadResult.

    Its stdout goes to a temp file, not a pipe: the result is one line of about 100 kB.
    """
    from edgesim.bench.loadgen import LoadResult, Sample

    job = {"url": url, "workload": [{"path": path, "headers": []}], "requests": requests, "concurrency": concurrency}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        done = subprocess.run([sys.executable, "-m", "edgesim.bench.loadgen"], cwd=ROOT, input=json.dumps(job).encode(),
                              stdout=out, stderr=subprocess.PIPE, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"loadgen exited {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
        out.seek(0)
        line = next(line for line in out.read().split("\n") if line.startswith("result "))
    data = json.loads(line.removeprefix("result "))
    return LoadResult(data["seconds"], [Sample(**s) for s in data["samples"]], data["failures"])


class _FixedAnswer(asyncio.Protocol):
    """HTTP/1.1 keep-alive server answering every request with BODY: a fast origin in pure Python."""

    def __init__(self, answer: bytes) -> None:
        import httptools

        self.answer = answer
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except Exception:
            self.transport.close()

    def on_message_complete(self) -> None:
        self.transport.write(self.answer)
        if not self.parser.should_keep_alive():
            self.transport.close()


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    return sock


def main() -> None:
    """`fixed`: a raw httptools+uvloop origin answering BODY; `starlette`: a bare Starlette app on uvicorn+httptools."""
    parser = argparse.ArgumentParser(prog="python -m bench.processes")
    parser.add_argument("kind", choices=("fixed", "starlette"))
    kind = parser.parse_args().kind
    sock = _listening_socket()
    if kind == "fixed":
        import uvloop

        answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                  b"Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n" % len(BODY)) + BODY

        async def serve() -> None:
            server = await asyncio.get_running_loop().create_server(lambda: _FixedAnswer(answer), sock=sock)
            await server.serve_forever()

        uvloop.run(serve())
    else:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route

        async def data(request) -> Response:
            return Response(BODY, media_type="application/json")

        app = Starlette(routes=[Route("/data.json", data)])
        config = uvicorn.Config(app, http="httptools", loop="uvloop", access_log=False, log_level="warning", lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
