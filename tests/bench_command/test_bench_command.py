"""`edgesim bench` on small runs: sane figures, the comparison, the report's plots, usage errors."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pytest

from edgesim.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
WORKLOAD = EXAMPLES / "paths.txt"  # 6 requests, the last one (/members/profile, no token) answered 401 by the function


class ReportParser(HTMLParser):
    """Collects the report's structure: tags seen, histogram bins and their counts, plot lines."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.svgs = 0
        self.bins = 0
        self.lines = 0
        self.bin_counts: list[int] = []
        self.external: list[str] = []
        self._in_title_of_bin = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        self.svgs += tag == "svg"
        if tag == "rect" and values.get("class") == "bin":
            self.bins += 1
            self._in_title_of_bin = True
        self.lines += tag == "polyline" and values.get("class") == "percentiles"
        for name in ("src", "href"):
            if values.get(name):
                self.external.append(values[name] or "")

    def handle_data(self, data: str) -> None:
        if self._in_title_of_bin and data.endswith(" requests"):
            self.bin_counts.append(int(data.split()[0]))
            self._in_title_of_bin = False


def bench(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["bench", *args])
    return code, capsys.readouterr().out


def test_small_in_process_run_reports_sane_figures_and_a_valid_report(tmp_path, capsys):
    report, figures = tmp_path / "report.html", tmp_path / "figures.json"
    code, out = bench(capsys, str(EXAMPLES / "cloudfront-function.yaml"), "--requests", "60", "--concurrency", "3",
                      "--warmup", "6", "--paths", str(WORKLOAD), "--report", str(report), "--json", str(figures))
    assert code == 0
    assert "cloudfront-function  (in process, 60 requests at concurrency 3" in out
    [summary] = json.loads(figures.read_text())
    assert summary["requests"] == 60 and summary["failures"] == 0 and summary["rps"] > 0
    assert summary["statuses"] == {"200": 50, "401": 10}
    latency = summary["latency_ms"]
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert summary["results"]["FunctionGeneratedResponse"] == 10
    assert summary["functions"]["edge"]["runs"] == 60
    assert 0 <= summary["functions"]["edge"]["utilization_p50"] <= 100
    function_stages = {k: v for k, v in summary["stages_mean_ms"].items() if k.split(":")[0] == "viewer-request edge"}
    assert len(function_stages) == 1 and list(function_stages.values())[0] > 0, "one stage per function version"
    assert re.search(r"function +edge: 60 runs, [\d.]+ ms mean, compute utilization p50 \d+ max \d+", out)

    page = report.read_text()
    parsed = ReportParser()
    parsed.feed(page)
    assert parsed.tags[:2] == ["html", "head"] and parsed.external == []
    assert parsed.svgs == 2 and parsed.lines == 1
    assert parsed.bins > 0 and sum(parsed.bin_counts) == 60
    assert f"<th>concurrency</th><td>3</td>" in page
    assert f"<th>paths</th><td>{WORKLOAD} (6 requests, 6 distinct, sent in turn)</td>" in page
    assert "<th>requests</th><td>60 per config</td>" in page and "6 requests per config, not measured" in page
    assert f"<th>CPUs</th><td>{os.cpu_count()}</td>" in page
    assert f"<th>Python</th><td>{platform.python_implementation()} {platform.python_version()}</td>" in page
    assert f"<th>edgesim</th><td>{metadata.version('edgesim')}</td>" in page
    assert re.search(r"<th>load average \(1 min\)</th><td>[\d.]+ before the run, [\d.]+ after</td>", page)
    hits, lookups = summary["results"].get("Hit", 0), summary["results"].get("Hit", 0) + summary["results"].get("Miss", 0)
    assert f"{hits / lookups:.1%} ({hits}/{lookups})" in page, "the hit ratio"
    stage = next(iter(function_stages))
    assert f"<td>{stage}</td><td>{summary['stages_mean_ms'][stage]:.3f}" in page, "time per stage"
    assert "compute utilization p50" in page


def test_compare_puts_configs_side_by_side_with_ratios_and_lambda_cold_starts(tmp_path, capsys):
    figures = tmp_path / "figures.json"
    code, out = bench(capsys, str(EXAMPLES / "cloudfront-function.yaml"), "--compare", str(EXAMPLES / "lambda-python.yaml"),
                      "--requests", "30", "--concurrency", "2", "--warmup", "4", "--paths", str(WORKLOAD),
                      "--json", str(figures), "--report", str(tmp_path / "r.html"))
    assert code == 0
    first, second = json.loads(figures.read_text())
    assert first["statuses"] == second["statuses"] == {"200": 25, "401": 5}
    lam = second["lambdas"]["edge-python:1"]
    assert lam["invocations"] == 30 + lam["cold_starts"] and 1 <= lam["cold_starts"] <= 2
    assert lam["warm_p50_ms"] > 0
    header = next(line for line in out.splitlines() if "cloudfront-function" in line and "lambda-python" in line)
    assert header.split() == ["cloudfront-function", "lambda-python"]
    rps_row = next(line for line in out.splitlines() if line.startswith("requests/s"))
    ratio = float(re.search(r"\(([\d.]+)x\)", rps_row).group(1))
    assert ratio == pytest.approx(second["rps"] / first["rps"], abs=0.01)
    page = (tmp_path / "r.html").read_text()
    parsed = ReportParser()
    parsed.feed(page)
    assert parsed.svgs == 3 and parsed.lines == 2
    assert f'({ratio:.2f}x)</span>' in page, "the ratio the console prints, in the report's figures table"
    assert "Ratios are to cloudfront-function" in page
    cold = lam["cold_starts"]
    assert f"<td>edge-python:1</td><td>{lam['invocations']}</td><td>{cold}</td>" in page, "the Lambda's cold starts"


def test_running_edgesim_is_measured_from_its_response_headers(tmp_path, capsys):
    serve = subprocess.Popen([sys.executable, "-m", "edgesim", "serve", str(EXAMPLES / "cloudfront-function.yaml"),
                              "--port", "0", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stderr is not None
        line = serve.stderr.readline()
        url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
        figures = tmp_path / "figures.json"
        code, out = bench(capsys, url, "--requests", "24", "--concurrency", "2", "--warmup", "0",
                          "--paths", str(WORKLOAD), "--json", str(figures))
    finally:
        serve.terminate()
        serve.wait(timeout=10)
    assert code == 0
    [summary] = json.loads(figures.read_text())
    assert summary["source"] == f"running at {url}"
    assert summary["results"]["FunctionGeneratedResponse"] == 4
    assert sum(summary["results"].values()) == 24
    assert summary["functions"] == {}  # not visible from outside


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://192.0.2.1:8080"], "loopback addresses only"),
        (["x.yaml", "--paths", "/nonexistent/paths.txt"], "No such file"),
        (["x.yaml", "--concurrency", "0"], "at least 1"),
    ],
)
def test_usage_errors_exit_2(capsys, args, message):
    assert main(["bench", *args]) == 2
    assert message in capsys.readouterr().err


def test_config_errors_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("DistributionConfig: {}\n")
    assert main(["bench", str(broken), "--requests", "1"]) == 2
    assert "broken.yaml" in capsys.readouterr().err
