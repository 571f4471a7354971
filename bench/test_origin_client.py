"""Why the origin client is aiohttp: both candidates against one origin process, same run.

Run: `.venv/bin/python -m pytest bench/test_origin_client.py -s`.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import httpx

from bench.processes import start_origin, stop

REQUESTS = 2000
CONCURRENCY = 16


async def _rate(fetch) -> float:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with semaphore:
            await fetch()

    await asyncio.gather(*(one() for _ in range(200)))
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(REQUESTS)))
    return REQUESTS / (time.perf_counter() - started)


async def _aiohttp_rate(url: str) -> float:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False) as session:
        async def fetch() -> None:
            async with session.get(url) as response:
                await response.read()
        return await _rate(fetch)


async def _httpx_rate(url: str) -> float:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=None)) as client:
        async def fetch() -> None:
            response = await client.get(url)
            response.read()
        return await _rate(fetch)


def test_aiohttp_against_httpx_as_pooled_proxy_client():
    origin, url = start_origin("echo")
    try:
        aiohttp_rps = asyncio.run(_aiohttp_rate(url + "/x"))
        httpx_rps = asyncio.run(_httpx_rate(url + "/x"))
    finally:
        stop(origin)
    print(f"\naiohttp {aiohttp_rps:.0f} req/s, httpx {httpx_rps:.0f} req/s, aiohttp/httpx = {aiohttp_rps / httpx_rps:.1f}x")
