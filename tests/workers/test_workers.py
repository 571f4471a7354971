"""`edgesim serve --workers 2`: two real edge processes on one listener, one shared state.

Each test starts the real command, talks to it over loopback sockets with a fresh
connection per request (the kernel hands each to whichever worker accepts first), and
learns which worker served a request from the dashboard's record of it, which the
workers send to the supervisor's one recorder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from edgesim.workers import worker_count
from tests.conftest import ROOT
from tests.integration.test_cli_serve import serve

STAMP_VERSION = re.compile(r'desc="stamp:(\d+)"')
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
STAMP_JS = """\
function handler(event) {
    event.request.headers['x-stamp'] = { value: '%s' };
    return event.request;
}
"""


@dataclass
class Workers:
    process: subprocess.Popen
    url: str
    control: str
    lines: list[str]

    def ask(self, path: str, **headers: str) -> httpx.Response:
        """One request on a new connection."""
        return httpx.get(self.url + path, headers=headers, timeout=10)

    def served_by(self, response: httpx.Response) -> int:
        """The worker that served a response, from the dashboard's record of it."""
        request_id = response.headers["x-amz-cf-id"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            record = httpx.get(f"{self.control}/api/requests/{request_id}", timeout=10)
            if record.status_code == 200:
                return record.json()["worker"]
            time.sleep(0.05)
        raise AssertionError(f"the dashboard never recorded {request_id}")

    def get(self, path: str, **headers: str) -> tuple[httpx.Response, int]:
        response = self.ask(path, **headers)
        return response, self.served_by(response)

    def from_each_worker(self, path: str, **headers: str) -> dict[int, list[httpx.Response]]:
        """Ask, 8 at a time, until both workers have answered `path`; every answer, by worker."""
        answers: dict[int, list[httpx.Response]] = {}
        for _ in range(50):
            for response in [self.ask(path, **headers) for _ in range(8)]:
                answers.setdefault(self.served_by(response), []).append(response)
            if len(answers) == 2:
                return answers
        raise AssertionError(f"only worker {set(answers)} answered {path}")

    def kill_one_and_await_its_replacement(self) -> None:
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (len(pids := self.worker_pids()) < 2 or victim in pids):
            time.sleep(0.1)
        assert victim not in self.worker_pids() and len(self.worker_pids()) == 2

    def worker_pids(self) -> list[int]:
        return [int(p) for p in subprocess.run(["pgrep", "-P", str(self.process.pid), "-f", "edgesim.workers.worker"],
                                               capture_output=True, text=True).stdout.split()]


def write_config(folder: Path, *, replication: dict | None = None) -> Path:
    (folder / "stamp.js").write_text(STAMP_JS % "v1")
    document = {
        "DistributionConfig": {
            "Origins": {"Items": [{"Id": "echo", "DomainName": "echo.example.internal",
                                   "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "echo", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
                "FunctionAssociations": {"Items": [{"FunctionARN": "arn:aws:cloudfront::111122223333:function/stamp",
                                                    "EventType": "viewer-request"}]},
            },
        },
        "Functions": {"stamp": {"Runtime": "cloudfront-js-2.0", "Code": "stamp.js"}},
        "Edgesim": {"BundledOrigins": {"echo": {"Kind": "echo"}}},
    }
    if replication:
        document["Edgesim"]["Topology"] = {"Replication": replication}
    path = folder / "edge.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def start(config: Path, *args: str) -> Workers:
    process, url, lines = serve(str(config), "--workers", "2", "--quiet", "--control-port", "0", *args)
    dashboard = next(line for line in lines if "dashboard at" in line)
    return Workers(process, url, dashboard.rsplit(" at ", 1)[1].strip().rstrip("/"), lines)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = start(write_config(tmp_path), "--access-log", str(tmp_path / "access.log"))
    yield running
    running.process.terminate()
    running.process.wait(timeout=20)


def test_a_hit_stored_by_one_worker_is_served_by_another(workers):
    first, filler = workers.get("/shared")
    assert first.headers["x-cache"] == "Miss from cloudfront"
    answers = workers.from_each_worker("/shared")
    other = next(w for w in answers if w != filler)
    hit = answers[other][0]
    assert hit.headers["x-cache"] == "Hit from cloudfront"
    assert hit.content == first.content, "the object the other worker stored, not a second origin fetch"


def test_an_invalidation_reaches_every_worker(workers):
    stored, _ = workers.get("/gone")
    assert all(r.headers["x-cache"] == "Hit from cloudfront"
               for answers in workers.from_each_worker("/gone").values() for r in answers[1:])
    answer = httpx.post(workers.control + "/api/invalidations", json={"Paths": {"Quantity": 1, "Items": ["/gone"]}})
    assert answer.status_code < 300, answer.text
    after = workers.from_each_worker("/gone")
    for worker, responses in after.items():
        assert all(r.content != stored.content for r in responses), f"worker {worker} still had the invalidated copy"
    listing = httpx.get(workers.control + "/api/cache").json()
    assert sum(e["path"] == "/gone" for entries in listing.values() for e in entries) == 2, "one copy in the POP, one in the REC"


def test_the_access_log_has_one_line_per_request_across_workers(workers, tmp_path):
    served: dict[str, int] = {}
    for n in range(30):
        response, worker = workers.get(f"/logged?n={n}")
        served[response.headers["x-amz-cf-id"]] = worker
    assert set(served.values()) == {0, 1}, "both workers served some"
    lines = (tmp_path / "access.log").read_text().splitlines()
    assert [line for line in lines if line.startswith("#")] == lines[:2], "header lines once, at the top"
    fields = lines[1].removeprefix("#Fields: ").split()
    ids = [line.split("\t")[fields.index("x-edge-request-id")] for line in lines[2:]]
    assert sorted(ids) == sorted(served)


def test_the_dashboard_lists_requests_from_every_worker(workers):
    served = {workers.get(f"/listed?n={n}")[0].headers["x-amz-cf-id"] for n in range(20)}
    recent = httpx.get(workers.control + "/api/requests").json()["requests"]
    assert {r["id"] for r in recent if r["target"].startswith("/listed")} == served
    assert {httpx.get(f"{workers.control}/api/requests/{i}").json()["worker"] for i in served} == {0, 1}


def test_a_publish_rolls_out_once_on_one_schedule(tmp_path):
    running = start(write_config(tmp_path, replication={"Profile": "realistic", "TimeScale": 0.05, "AutoPublish": False}),
                    "--seed", "7")
    try:
        (tmp_path / "stamp.js").write_text(STAMP_JS % "v2")
        published = httpx.post(running.control + "/api/functions/stamp/publish", timeout=10).json()
        assert published["version"] == "2" and published["published"]
        regions = published["function"]["regions"]
        region, state = min(regions.items(), key=lambda item: item[1]["replicating"][0]["switches_at"])
        switches_at = state["replicating"][0]["switches_at"]
        pop = state["pops"][0]
        asked: list[tuple[float, float, httpx.Response]] = []  # sent, answered, response
        after_switch: set[int] = set()
        while time.time() < switches_at + 0.5 or len(after_switch) < 2:
            assert time.time() < switches_at + 30, "only one worker answered after the switch"
            sent = time.time()
            response = running.ask(f"/v/{sent}", **{"X-Edgesim-Pop": pop})
            asked.append((sent, time.time(), response))
            if sent > switches_at:
                after_switch.add(running.served_by(response))
            time.sleep(0.05)  # fewer requests than the dashboard keeps records of
        ran = {(sent, answered, running.served_by(r)): STAMP_VERSION.search(r.headers["server-timing"]).group(1)
               for sent, answered, r in asked}  # (sent, answered, worker) -> version
        for (sent, answered, worker), version in ran.items():
            if answered < switches_at:
                assert version == "1", f"worker {worker} ran version 2 in {region} before its switch"
            if sent > switches_at:
                assert version == "2", f"worker {worker} still ran version 1 in {region} after its switch"
        assert {w for (_, _, w), v in ran.items() if v == "1"} == {0, 1}
        assert {w for (_, _, w), v in ran.items() if v == "2"} == {0, 1}
        versions = httpx.get(running.control + "/api/functions").json()["replication"]["stamp"]["versions"]
        assert [v["version"] for v in versions] == ["1", "2"], "one version 2, not one per worker"
    finally:
        running.process.terminate()
        running.process.wait(timeout=20)


def test_a_worker_that_dies_is_replaced_and_finds_the_shared_cache(workers):
    stored, _ = workers.get("/kept")
    workers.kill_one_and_await_its_replacement()
    for answers in workers.from_each_worker("/kept").values():
        assert all(r.content == stored.content for r in answers)


def test_a_worker_started_again_runs_what_the_others_run_not_the_config_file_edited_since(workers, tmp_path):
    """Without --watch an edit to the config does not apply; a worker that dies and is
    started again must not pick it up either and serve a different edge from its peers."""
    edited = yaml.safe_load((tmp_path / "edge.yaml").read_text())
    del edited["DistributionConfig"]["DefaultCacheBehavior"]["FunctionAssociations"]
    (tmp_path / "edge.yaml").write_text(yaml.safe_dump(edited))
    workers.kill_one_and_await_its_replacement()
    stamps = {w: {bool(STAMP_VERSION.search(r.headers["server-timing"])) for r in answers}
              for w, answers in workers.from_each_worker("/stamped").items()}
    assert stamps == {0: {True}, 1: {True}}, "every worker runs the viewer-request function it started with"


def test_one_worker_is_the_single_process_edge(tmp_path):
    process, url, _ = serve(str(write_config(tmp_path)), "--workers", "1", "--quiet", "--control-port", "0")
    try:
        assert httpx.get(url + "/one", timeout=10).status_code == 200
        children = subprocess.run(["pgrep", "-P", str(process.pid), "-f", "edgesim.workers.worker"],
                                  capture_output=True, text=True).stdout.split()
        assert children == [], "no worker processes and no hub between the viewer and the edge"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_workers_must_be_a_count_or_auto():
    done = subprocess.run([sys.executable, "-m", "edgesim", "serve", "--workers", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "expected a number of workers (1 or more) or 'auto', not '0'" in done.stderr


def test_workers_auto_counts_the_cpus_this_process_may_use_not_the_machines():
    """In a container or under `taskset` the affinity mask, not `os.cpu_count()`, says how
    many cores there are to fill."""
    pinned = subprocess.run([sys.executable, "-c", "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
                             "from edgesim.workers import worker_count; print(worker_count('auto'))"],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert pinned.stdout.strip() == "1", pinned.stderr
    assert worker_count("auto") == len(os.sched_getaffinity(0))


def test_a_reload_on_save_reaches_every_worker(tmp_path):
    running = start(write_config(tmp_path), "--watch")
    try:
        assert {STAMP_VERSION.search(r.headers["server-timing"]).group(1)
                for answers in running.from_each_worker("/before").values() for r in answers} == {"1"}
        (tmp_path / "stamp.js").write_text(STAMP_JS % "v2")
        deadline = time.monotonic() + 20
        while not any("reloaded" in line for line in running.lines):
            assert time.monotonic() < deadline, "".join(running.lines)
            time.sleep(0.05)
        while True:  # each worker takes the config the supervisor loaded
            latest = {w: STAMP_VERSION.search(answers[-1].headers["server-timing"]).group(1)
                      for w, answers in running.from_each_worker("/after").items()}
            if latest == {0: "2", 1: "2"}:
                break
            assert time.monotonic() < deadline, latest
    finally:
        running.process.terminate()
        running.process.wait(timeout=20)


def test_a_port_another_edge_listens_on_is_refused(tmp_path):
    """SO_REUSEPORT would let a second edge share the port and split its connections."""
    first = start(write_config(tmp_path))
    try:
        port = first.url.rsplit(":", 1)[1]
        second = subprocess.run([sys.executable, "-m", "edgesim", "serve", str(tmp_path / "edge.yaml"), "--workers", "2",
                                 "--port", port, "--control-port", "0"], cwd=ROOT, capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 2, second.stderr
        assert "cannot listen" in second.stderr
    finally:
        first.process.terminate()
        first.process.wait(timeout=20)


def test_the_live_feed_shows_exchanges_from_every_worker(workers):
    seen: set[str] = set()
    with httpx.stream("GET", workers.control + "/api/events", timeout=30) as feed:
        lines = feed.iter_lines()
        assert next(lines).startswith("retry:")
        time.sleep(0.5)  # the feed subscribes once its first line is out
        served = {workers.ask(f"/live?n={n}").headers["x-amz-cf-id"] for n in range(16)}
        for line in lines:
            if line.startswith("data: "):
                seen.add(json.loads(line.removeprefix("data: ")).get("id", ""))
            if served <= seen:
                break
    assert {httpx.get(f"{workers.control}/api/requests/{i}").json()["worker"] for i in served} == {0, 1}


def test_sigterm_during_start_up_stops_everything_and_leaves_no_temporary_files(tmp_path):
    """A service manager (or a CI step's timeout) may stop edgesim before it serves: the
    supervisor still stops its workers and removes its hub socket and code snapshots."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "edgesim", "serve", str(write_config(tmp_path)), "--workers", "2", "--quiet",
         "--port", "0", "--control-port", "0"],
        env={**os.environ, "TMPDIR": str(scratch)}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any(scratch.glob("edgesim-hub-*")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert any(scratch.glob("edgesim-hub-*")), "the supervisor made its hub"
        workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                                  text=True).stdout.split()]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert sorted(p.name for p in scratch.iterdir()) == []
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []


def test_ctrl_c_with_the_dashboard_open_ends_its_event_stream_and_starts_no_worker_again(tmp_path):
    """Ctrl-C reaches the supervisor and its workers at once (one process group): the
    workers' exit is the shutdown, not a crash to recover from, and an open dashboard's
    event stream ends rather than holding the shutdown for the grace period."""
    process = subprocess.Popen(
        [sys.executable, "-m", "edgesim", "serve", str(write_config(tmp_path)), "--workers", "2",
         "--port", "0", "--control-port", "0"], stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        while not any("dashboard at" in line for line in lines) and process.poll() is None:
            lines.append(process.stderr.readline())
        control = next(line for line in lines if "dashboard at" in line).rsplit(" at ", 1)[1].strip()
        with httpx.stream("GET", control + "api/events", timeout=30) as stream:
            received = stream.iter_raw()
            assert b"retry:" in next(received)
            os.killpg(process.pid, signal.SIGINT)
            for _ in received:  # to its clean end (a cut stream raises RemoteProtocolError)
                pass
        process.wait(timeout=30)
        lines.extend(process.stderr)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert [line for line in lines if "starting it again" in line or "Traceback" in line or "ERROR" in line] == []
