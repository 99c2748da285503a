"""Page weight of the child's consultation pages (tablet-first, slow school networks): the intro page and
each question page, fetched like a browser with an empty cache, with `Accept-Encoding: gzip`, together
with every same-origin subresource they reference (stylesheets, scripts, images, and `url(...)` in the
stylesheets). Prints the bytes transferred (as sent: compressed only if the server compressed them), what
gzip would make of them, and the number of requests, against the budget of 60 KB and 15 requests, all from
the server itself (anything from another origin is listed as a problem).

    .venv/bin/python bench/page_weight.py

It starts `yimi serve` on a fresh SQLite database with one consenting child and an open consultation (the
seeding of bench/burst.py), signs the child in on a tablet, and prints; it asserts nothing.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from burst import LIGHT_ARGON2, open_tablets, run_seed
from run import sqlite_database
from server import Server, ServerError, run_cli, server_env

BUDGET_BYTES = 60 * 1024
BUDGET_REQUESTS = 15
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class References(HTMLParser):
    """Subresources a browser would fetch for a page: stylesheets and icons, scripts, images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href") and any(r in (a.get("rel") or "") for r in ("stylesheet", "icon", "preload")):
            self.found.append(a["href"])  # type: ignore[arg-type]
        elif tag in ("script", "img", "source", "audio", "video") and a.get("src"):
            self.found.append(a["src"])  # type: ignore[arg-type]
        elif tag == "input" and a.get("type") == "image" and a.get("src"):
            self.found.append(a["src"])  # type: ignore[arg-type]


@dataclass
class Fetched:
    url: str
    status: int
    sent: int  # bytes on the wire (body), as the server sent them
    raw: int  # the body uncompressed
    gzipped: int  # what gzip -6 would make of it
    encoding: str


@dataclass
class Weight:
    name: str
    items: list[Fetched] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(i.sent for i in self.items)

    @property
    def gzipped(self) -> int:
        return sum(min(i.gzipped, i.sent) for i in self.items)


def fetch(client: httpx.Client, method: str, url: str, **kw: object) -> tuple[httpx.Response, Fetched]:
    response = client.request(method, url, headers={"Accept-Encoding": "gzip"}, **kw)  # type: ignore[arg-type]
    body = response.content
    fetched = Fetched(str(response.url), response.status_code, response.num_bytes_downloaded, len(body),
                      len(gzip.compress(body, 6)), response.headers.get("content-encoding", "identity"))
    return response, fetched


def weigh(client: httpx.Client, name: str, method: str, url: str, **kw: object) -> tuple[Weight, httpx.Response]:
    """The page and, once each, every same-origin subresource it and its stylesheets reference."""
    weight = Weight(name)
    response, page = fetch(client, method, url, **kw)
    weight.items.append(page)
    origin = urlsplit(str(client.base_url)).netloc
    parser = References()
    parser.feed(response.text)
    queue = [urljoin(str(response.url), ref) for ref in parser.found]
    seen: set[str] = set()
    while queue:
        target = queue.pop(0)
        if target in seen or target.startswith("data:"):
            continue
        seen.add(target)
        if urlsplit(target).netloc != origin:
            weight.foreign.append(target)
            continue
        sub, item = fetch(client, "GET", target)
        weight.items.append(item)
        if sub.headers.get("content-type", "").startswith("text/css"):
            queue.extend(urljoin(target, ref) for ref in CSS_URL.findall(sub.text))
    return weight, response


def report(weights: list[Weight]) -> list[str]:
    lines = []
    for w in weights:
        verdict_bytes = "within" if w.sent <= BUDGET_BYTES else "OVER"
        verdict_requests = "within" if len(w.items) <= BUDGET_REQUESTS else "OVER"
        lines.append(f"{w.name}: {w.sent / 1024:.1f} KB transferred ({verdict_bytes} the {BUDGET_BYTES // 1024} KB budget), "
                     f"{len(w.items)} requests ({verdict_requests} {BUDGET_REQUESTS}); with gzip it would be {w.gzipped / 1024:.1f} KB")
        for i in w.items:
            path = urlsplit(i.url).path
            lines.append(f"    {i.status} {path:<48} sent {i.sent / 1024:6.1f} KB  ({i.encoding}; raw {i.raw / 1024:6.1f} KB, "
                         f"gzip {i.gzipped / 1024:5.1f} KB)")
        for url in w.foreign:
            lines.append(f"    NOT FROM THE SERVER ITSELF: {url}")
    return lines


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="yimi-weight-") as tmp:
        workdir = Path(tmp)
        database = sqlite_database(workdir)
        env = {**server_env(database.url, workdir / "var"), **LIGHT_ARGON2}
        try:
            run_cli(["db", "upgrade"], env)
            run_cli(["consent", "sync"], env)
            seeded = run_seed(env, 1, 1)
            with Server(env, workdir / "server.log", workers=2) as server:
                server.wait_ready()
                tablet = open_tablets(server.base_url, seeded)[seeded["groups"][0]["id"]]
                child = seeded["groups"][0]["children"][0]
                cid = seeded["consultation_id"]
                with httpx.Client(base_url=server.base_url, cookies=tablet, timeout=30.0, headers={"Accept-Language": "zh-CN"}) as client:
                    token = CSRF_FIELD.search(client.get(f"/tablet/child/{child['id']}").text).group(1)
                    entered: list[str] = []
                    for picture in child["code"]:
                        client.post(f"/tablet/child/{child['id']}", data={"csrf_token": token, "entered": ",".join(entered), "pick": picture})
                        entered.append(picture)
                    if "yimi_child" not in client.cookies:
                        raise ServerError("the child could not sign in")
                    weights = []
                    intro, page = weigh(client, "intro page (GET /me/consultations/{id})", "GET", f"/me/consultations/{cid}")
                    weights.append(intro)
                    csrf = CSRF_META.search(page.text).group(1)
                    data = {"csrf_token": csrf, "at": "0", "go": "start"}
                    for n, question in enumerate(seeded["questions"], start=1):
                        step, page = weigh(client, f"question {n} ({question['kind']}; POST …/answer)", "POST",
                                           f"/me/consultations/{cid}/answer", data=data)
                        weights.append(step)
                        data = {"csrf_token": csrf, "at": str(n), "go": "next"}
        except ServerError as exc:
            print(f"page weight stopped: {exc}", file=sys.stderr)
            return 1
    print("Page weight of the child's consultation pages, empty cache, Accept-Encoding: gzip")
    for line in report(weights):
        print(line)
    compressed = any(i.encoding != "identity" for w in weights for i in w.items)
    print("The server compresses responses." if compressed else
          "The server sends nothing compressed (no gzip for HTML, CSS or JS): see the 'with gzip' figures.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
