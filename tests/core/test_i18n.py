"""Every message in the code and templates is translated in both catalogs (zh_Hans, en); placeholders agree."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.core.config import BASE_DIR
from app.core.i18n import LOCALES, LOCALES_DIR, parse_accept_language

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """Extract afresh from the code and templates, as `make i18n` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "extract", "--no-location", "--ignore-dirs", ".* node_modules", "-F", "babel.cfg", "-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-o", str(pot), "."],
        cwd=BASE_DIR, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}


def _catalog(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def test_extraction_finds_messages(extracted):
    assert len(extracted) > 100
    assert "Do you need help?" in extracted  # the help page's text is extracted


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted, locale):
    catalog = _catalog(locale)
    problems = []
    for key in extracted:
        message = catalog.get(key)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) != wanted - ({"num"} if locale == "zh_Hans" else set()) and set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {key!r}")
    assert not problems, f"{locale}: {len(problems)} problems (run `make i18n` and translate):\n" + "\n".join(problems[:40])


def test_the_chinese_catalog_is_really_chinese(extracted):
    catalog = _catalog("zh_Hans")
    help_text = catalog.get("Do you need help?").string
    assert re.search(r"[\u4e00-\u9fff]", help_text)


def test_pages_are_chinese_by_default(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as browser_without_preference:
        html = browser_without_preference.get("/help").text
    assert re.search(r"[\u4e00-\u9fff]{4,}", html.split("<main")[1])


def test_accept_language_parsing():
    assert parse_accept_language("en-US,en;q=0.9") == "en"
    assert parse_accept_language("fr-FR,fr;q=0.9,zh-CN;q=0.5") == "zh_Hans"
    assert parse_accept_language("fr") is None
    assert parse_accept_language("en;q=0, zh;q=0.1") == "zh_Hans"
    assert parse_accept_language("garbage;;;q=x") is None
