"""The supervisor starts a worker that died again, sooner or later depending on how it died."""

from __future__ import annotations

import asyncio
import re
import sys

import pytest

from edgesim.workers.supervisor import RESTART_PAUSE_MAX_S, RESTART_PAUSE_S, STABLE_S, Supervisor, restart_pause


@pytest.mark.parametrize(("previous", "lived_s", "pause"), [
    (0.0, 0.2, RESTART_PAUSE_S),  # its first exit
    (RESTART_PAUSE_S, 0.2, RESTART_PAUSE_S * 2),  # died again soon after it started
    (4.0, STABLE_S - 1, 8.0),
    (RESTART_PAUSE_MAX_S * 0.75, 0.2, RESTART_PAUSE_MAX_S),  # doubling stops at the ceiling
    (RESTART_PAUSE_MAX_S, 0.2, RESTART_PAUSE_MAX_S),
    (RESTART_PAUSE_MAX_S, STABLE_S, RESTART_PAUSE_S),  # it had served a while: quick again
])
def test_restart_pause_doubles_for_a_worker_that_dies_soon_after_it_starts(previous, lived_s, pause):
    assert restart_pause(previous, lived_s) == pause


async def test_a_worker_that_cannot_run_is_started_again_less_and_less_often(capsys):
    supervisor = Supervisor([sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start(0)
    watching = asyncio.create_task(supervisor.watch())
    said = ""
    try:
        while said.count("worker 0 exited") < 3:
            await asyncio.sleep(0.05)
            said += capsys.readouterr().err
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        await supervisor.stop()
    pauses = re.findall(r"worker 0 exited \(3\); starting it again in ([\d.]+) s", said)
    assert [float(p) for p in pauses[:3]] == [RESTART_PAUSE_S, RESTART_PAUSE_S * 2, RESTART_PAUSE_S * 4]
