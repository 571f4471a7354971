"""Start the processes a bench measures: bundled origins and `edgesim serve`, each on a free port."""

from __future__ import annotations

import subprocess
import sys
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


def start_edgesim(config: Path, *args: str) -> tuple[subprocess.Popen, str, float]:
    """Start `edgesim serve` and return it, its URL and the seconds until its first answer."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "edgesim", "serve", str(config), "--port", "0", *args],
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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
