"""A class of children signing in at once on one tablet group session: the time until all of them are in,
and the time each sign-in takes (GET the picture page, then three taps, the last one checks the code)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from load import CLIENT_TLS

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ClassResult:
    children: int
    signed_in: int
    total_s: float
    per_child_ms: list[float]

    def percentile_ms(self, p: float) -> float | None:
        if not self.per_child_ms:
            return None
        ordered = sorted(self.per_child_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def seed(env: dict[str, str], size: int) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed_class.py")), str(size)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding the class failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def open_tablet(base_url: str, seeded: dict) -> dict[str, str]:
    """The facilitator signs in and opens a tablet for the group; returns the tablet's cookies."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        page = client.get("/signin")
        token = CSRF_META.search(page.text).group(1)
        client.post("/signin", data={"username": seeded["facilitator"], "password": seeded["password"], "csrf_token": token})
        token = CSRF_META.search(client.get("/staff").text).group(1)
        opened = client.post(f"/corps/groups/{seeded['group_id']}/tablet", data={"csrf_token": token, "hours": "2"})
        if opened.status_code != 303 or "yimi_tablet" not in client.cookies:
            raise RuntimeError(f"opening the tablet failed: HTTP {opened.status_code}")
        return dict(client.cookies)


async def _one_child(base_url: str, cookies: dict[str, str], child: dict) -> float | None:
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=60.0, verify=CLIENT_TLS) as client:
        page = await client.get(f"/tablet/child/{child['id']}")
        token = CSRF_FIELD.search(page.text).group(1)
        entered: list[str] = []
        response = None
        for picture in child["code"]:
            response = await client.post(
                f"/tablet/child/{child['id']}", data={"csrf_token": token, "entered": ",".join(entered), "pick": picture}
            )
            entered.append(picture)
        if response is None or response.status_code != 303 or "yimi_child" not in response.cookies:
            return None
    return (time.perf_counter() - started) * 1000


async def class_sign_in(base_url: str, seeded: dict) -> ClassResult:
    cookies = open_tablet(base_url, seeded)
    started = time.perf_counter()
    results = await asyncio.gather(*(_one_child(base_url, cookies, child) for child in seeded["children"]))
    total = time.perf_counter() - started
    times = [r for r in results if r is not None]
    return ClassResult(children=len(results), signed_in=len(times), total_s=total, per_child_ms=times)
