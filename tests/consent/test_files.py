"""Consent as files: every purpose has copy for every audience and locale, every guardian notice covers
CPIP Art. 10, every notice version is complete and hashed, and validate() names what is wrong.
No database: these tests read consent/ (or a copy of it in tmp_path)."""

import re
import shutil
from pathlib import Path

import pytest

from app.consent import files
from app.consent.files import AUDIENCES, CPIP_ART10_SECTIONS, ConsentFileError
from app.consent.models import Purpose
from app.core.i18n import LOCALES

PURPOSES = files.load_purposes()
VERSIONS = files.load_notice_versions()
TEXTS = [text for version in VERSIONS for text in version.texts]


def text_id(text) -> str:
    return f"{text.audience}.{text.locale}"


# ---- the files in the repository ----------------------------------------------------------------------


def test_the_consent_files_have_no_problems():
    assert VERSIONS, "consent/notices/ holds no notice version"
    assert files.validate(PURPOSES, VERSIONS) == []


def test_the_purposes_are_exactly_those_the_code_knows():
    assert set(PURPOSES) == {purpose.value for purpose in Purpose}


@pytest.mark.parametrize("code", sorted(PURPOSES))
def test_every_purpose_has_copy_for_every_audience_and_locale(code):
    purpose = PURPOSES[code]
    for audience in AUDIENCES:
        for locale in LOCALES:
            copy = purpose.copy[audience][locale]
            assert copy.heading and copy.text, (audience, locale)
    for locale in LOCALES:
        assert purpose.why[locale] and purpose.retention[locale] and purpose.recipients[locale]
        assert all(category.label[locale] for category in purpose.data_categories)


def test_only_taking_part_is_required_and_every_purpose_is_decided_separately():
    # DP-06: refusing quote or notify_guardian never blocks taking part; DP-03: each is its own yes/no.
    assert {code for code, p in PURPOSES.items() if p.required_for_participation} == {Purpose.PARTICIPATE.value}
    assert all(p.needs_separate_consent for p in PURPOSES.values())
    assert {code for code, p in PURPOSES.items() if p.public_display} == {Purpose.QUOTE.value}
    assert all(p.retention_days > 0 for p in PURPOSES.values())


@pytest.mark.parametrize("version", VERSIONS, ids=lambda v: f"{v.notice}/{v.version}")
def test_every_version_has_all_eight_texts(version):
    assert {(t.audience, t.locale) for t in version.texts} == {(a, loc) for a in AUDIENCES for loc in LOCALES}
    assert len(version.texts) == 8
    assert all(t.title and t.body for t in version.texts)


@pytest.mark.parametrize("text", [t for t in TEXTS if t.audience == "guardian"], ids=text_id)
def test_every_guardian_notice_covers_the_seven_items_of_cpip_art_10(text):
    headed = {anchor for anchor, heading in text.headings if heading.strip()}
    for key in CPIP_ART10_SECTIONS:
        assert key in text.sections, f"front matter lacks {key}"
        assert key in headed, f"no '## … {{#{key}}}' heading"
        part = next(p for p in text.parts if p.anchor == key)
        assert part.body, f"section {key} is empty"


@pytest.mark.parametrize("text", [t for t in TEXTS if t.audience != "guardian"], ids=text_id)
def test_every_child_notice_says_where_to_get_help(text):
    assert ("求助" if text.locale == "zh_Hans" else '"Help"') in text.body


def sentences_zh(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。！？\n]", text) if s.strip()]


def child_texts(audience: str, locale: str) -> list[str]:
    notices = [t.body for t in TEXTS if (t.audience, t.locale) == (audience, locale)]
    copy = [f"{p.copy[audience][locale].heading}。{p.copy[audience][locale].text}" for p in PURPOSES.values()]
    return notices + copy


@pytest.mark.parametrize(("audience", "limit"), [("child-6-9", 25), ("child-10-13", 40)])
def test_children_read_short_chinese_sentences(audience, limit):
    # A11Y-23: short sentences, one idea each; 6-9-year-olds read about the first 1,600 characters.
    for text in child_texts(audience, "zh_Hans"):
        for sentence in sentences_zh(text):
            assert len(sentence) <= limit, sentence


def test_the_youngest_children_hear_a_short_notice():
    for text in [t for t in TEXTS if t.audience == "child-6-9"]:
        sentences = sentences_zh(text.body) if text.locale == "zh_Hans" else re.findall(r"[^.!?]+[.!?]", text.body)
        assert 5 <= len(sentences) <= 10, text_id(text)
        if text.locale == "en":
            assert all(len(s.split()) <= 14 for s in sentences), text.body


# ---- the hash -----------------------------------------------------------------------------------------


@pytest.fixture
def consent_dir(tmp_path: Path) -> Path:
    """A copy of consent/ to break."""
    return Path(shutil.copytree(files.CONSENT_DIR, tmp_path / "consent"))


def version_dir(consent_dir: Path) -> Path:
    return consent_dir / "notices" / VERSIONS[0].notice / VERSIONS[0].version


def load_copy(consent_dir: Path):
    return files.load_notice_versions(consent_dir / "notices")[0]


def test_the_hash_is_stable_and_does_not_depend_on_where_the_files_are(consent_dir):
    assert files.load_notice_versions()[0].sha256 == VERSIONS[0].sha256
    assert load_copy(consent_dir).sha256 == VERSIONS[0].sha256
    assert re.fullmatch(r"[0-9a-f]{64}", VERSIONS[0].sha256)


@pytest.mark.parametrize("name", [f"{a}.{loc}.md" for a in AUDIENCES for loc in LOCALES])
def test_the_hash_changes_when_any_text_changes(consent_dir, name):
    path = version_dir(consent_dir) / name
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    changed = load_copy(consent_dir)
    assert changed.sha256 != VERSIONS[0].sha256
    audience, locale = name.removesuffix(".md").split(".")
    assert changed.text(audience, locale).sha256 != VERSIONS[0].text(audience, locale).sha256


@pytest.mark.parametrize(
    ("old", "new"),
    [("material_change: false", "material_change: true"), ("effective_date: 2026-11-29", "effective_date: 2026-12-01")],
)
def test_the_hash_changes_when_the_front_matter_changes(consent_dir, old, new):
    path = version_dir(consent_dir) / "guardian.zh_Hans.md"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert load_copy(consent_dir).sha256 != VERSIONS[0].sha256


def test_windows_line_endings_do_not_change_the_hash(consent_dir):
    for path in version_dir(consent_dir).glob("*.md"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_copy(consent_dir).sha256 == VERSIONS[0].sha256


# ---- validate() on broken copies ----------------------------------------------------------------------


def problems(consent_dir: Path) -> list[str]:
    return files.validate(
        files.load_purposes(consent_dir / "purposes.toml"), files.load_notice_versions(consent_dir / "notices")
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_missing_text_is_reported(consent_dir):
    (version_dir(consent_dir) / "teen-14-17.en.md").unlink()
    assert any(p.endswith("missing teen-14-17.en.md") for p in problems(consent_dir))


@pytest.mark.parametrize("name", ["guardian.zh_Hans.md", "guardian.en.md"])
def test_a_guardian_notice_without_a_cpip_heading_is_reported(consent_dir, name):
    path = version_dir(consent_dir) / name
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^## .*\{#security\}\n", "", text, flags=re.M), encoding="utf-8")
    found = problems(consent_dir)
    assert any(name in p and "{#security}" in p and "CPIP Art. 10" in p for p in found), found


def test_a_guardian_notice_without_a_cpip_section_in_its_front_matter_is_reported(consent_dir):
    edit(version_dir(consent_dir) / "guardian.en.md", "security, ", "")
    found = problems(consent_dir)
    assert any("guardian.en.md" in p and "lacks 'security'" in p for p in found), found
    assert any("guardian.en.md" in p and "differ from `sections`" in p for p in found), found


def drop_toml_table(path: Path, header: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(header)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_a_purpose_without_teen_copy_is_reported(consent_dir):
    for locale in LOCALES:
        drop_toml_table(consent_dir / "purposes.toml", f"[purposes.quote.copy.teen-14-17.{locale}]")
    found = problems(consent_dir)
    assert "purposes.toml: purpose 'quote': no copy for teen-14-17 in zh_Hans" in found
    assert "purposes.toml: purpose 'quote': no copy for teen-14-17 in en" in found


def test_an_unknown_audience_or_locale_in_a_file_name_is_reported(consent_dir):
    folder = version_dir(consent_dir)
    (folder / "child-6-9.en.md").rename(folder / "kids.en.md")
    (folder / "guardian.en.md").rename(folder / "guardian.fr.md")
    found = problems(consent_dir)
    assert any("kids.en.md: unknown audience 'kids'" in p for p in found), found
    assert any("guardian.fr.md: unknown locale 'fr'" in p for p in found), found
    assert any(p.endswith("missing child-6-9.en.md") for p in found)


def test_a_purpose_the_code_does_not_know_is_reported(consent_dir):
    edit(consent_dir / "purposes.toml", "[purposes.quote", "[purposes.publish")
    found = problems(consent_dir)
    assert any("purpose 'publish' is unknown" in p for p in found), found
    assert "purposes.toml: purpose 'quote' (app.consent.models.Purpose) is missing" in found


def test_a_second_required_purpose_is_reported(consent_dir):
    # DP-06: refusing an optional purpose must never block taking part.
    text = (consent_dir / "purposes.toml").read_text(encoding="utf-8")
    head, _, tail = text.partition("[purposes.quote]")
    tail = tail.replace("required_for_participation = false", "required_for_participation = true", 1)
    (consent_dir / "purposes.toml").write_text(head + "[purposes.quote]" + tail, encoding="utf-8")
    assert any("'quote'" in p and "DP-06" in p for p in problems(consent_dir))


def test_a_material_change_must_agree_across_files_and_say_what_changed(consent_dir):
    edit(version_dir(consent_dir) / "guardian.en.md", "material_change: false", "material_change: true")
    found = problems(consent_dir)
    assert any(p.endswith("the files disagree on material_change") for p in found), found
    assert any("guardian.en.md: a material change needs a change_summary" in p for p in found), found


def test_a_front_matter_typo_is_refused_not_ignored(consent_dir):
    edit(version_dir(consent_dir) / "guardian.en.md", "material_change:", "material_chnage:")
    with pytest.raises(ConsentFileError, match="unknown key 'material_chnage'"):
        files.load_notice_versions(consent_dir / "notices")


def test_front_matter_values():
    meta, body = files.parse_front_matter(
        '---\ntitle: "Yimi: a title"\nmaterial_change: true\nchange_summary:\nsections: [a, "b"]\n---\n\nBody\n'
    )
    assert meta == {"title": "Yimi: a title", "material_change": True, "change_summary": "", "sections": ["a", "b"]}
    assert body == "Body"
