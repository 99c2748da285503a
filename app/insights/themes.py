"""The themes of a consultation's comments (issue 16; PAR-05, DP-12): reads and rules. Never commits.

- `workspace`: what the themes page and API show, per audience (children's and guardians' comments are themed
  apart): coverage, each theme with its comments, its size and its size by age band (app.core.suppression), its
  quotes; the comments not yet sorted. Only analysable comments (approved or redacted, a child still taking
  part) ever appear; an author is shown by age band only.
- `store_suggestions`: the machine's suggestions become themes not yet accepted; asking again replaces only those,
  and never moves a comment a person placed or one in an accepted theme.
- Edits (accept, texts, merge, split, move, delete, quotes, summaries): each names the version it started from;
  the row is locked (`lock`) and `check_version` refuses a stale one (EditedMeanwhile, 409). A theme a person
  edits, merges into, splits off or moves a comment into is accepted: it is theirs now.
- `quotes_of`: the quotes as they may be shown *now* (QUOTE consent read each time), for pages and the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.consultations.models import Consultation
from app.core import audit, suppression
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound
from app.core.i18n import N_, clean_locales
from app.core.suppression import Count
from app.core.validation import TextField
from app.corps.models import AgeBand
from app.insights import service
from app.insights.models import Analysis, Audience, Quote, Theme, ThemeComment
from app.insights.service import (
    AnalysedComment,
    EditedMeanwhile,
    analysable_comments,
    check_version,
    quotable_ids,
)
from app.insights.suggest import Suggested

BANDS = [band.value for band in AgeBand]
NAME = TextField("name", N_("Name of the theme"), max=80)
DESCRIPTION = TextField("description", N_("What the theme says, in one sentence"), max=300)
CHILD_WORDS = TextField("child_words", N_("The words a child reads"), max=200)
SUMMARY = TextField("summary", N_("Summary"), max=4000)
CHILD_SUMMARY = TextField("child_summary", N_("Summary in a child's words"), max=1500)
QUOTES_PER_THEME = 5


class ThemesRule(InvalidInput):
    """A rule across records that no JSON schema states: a theme merges with another theme of the same audience
    (not itself); a comment moves only between themes of its own audience; a split picks comments of the theme;
    a quote is a comment of its theme whose author may be quoted now, at most QUOTES_PER_THEME of them."""

    slug = "themes-rule"
OTHER = "other"
UNSORTED = "unsorted"


# ---- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownQuote:
    """A quote as anyone may read it: the words as published (redacted where moderation redacted them) and the
    author's age band, never who."""

    text: str
    age_band: str | None
    audience: str
    comment_id: int = 0


@dataclass
class ShownComment:
    id: int
    text: str
    age_band: str | None
    quotable: bool = False
    quoted: bool = False
    central: bool = False
    placed_by_person: bool = False


@dataclass
class ThemeView:
    theme: Theme
    comments: list[ShownComment]
    size: Count
    by_band: dict[str, Count]
    quotes: list[ShownQuote]


@dataclass
class AudienceView:
    audience: str
    total: int  # comments, not children: a comment count is shown as it is (a theme's size goes through the rule)
    in_theme: int
    other: list[ShownComment]
    unsorted: list[ShownComment]
    themes: list[ThemeView] = field(default_factory=list)
    in_accepted: int = 0  # of `in_theme`, those in themes a person accepted (the rest are the machine's suggestions)

    @property
    def sorted_count(self) -> int:
        """Comments in a theme or marked "other" (both count as covered)."""
        return self.in_theme + len(self.other)


def themes_of(*, session: Session, consultation: Consultation, audience: str | None = None) -> list[Theme]:
    query = select(Theme).where(Theme.consultation_id == consultation.id)
    if audience is not None:
        query = query.where(Theme.audience == audience)
    return list(session.exec(query.order_by(col(Theme.position), col(Theme.id))))


def theme_of(*, session: Session, consultation: Consultation, theme_id: int, lock: bool = False) -> Theme:
    """A theme of this consultation; `lock`: held until the transaction ends (SELECT … FOR UPDATE on
    PostgreSQL; on SQLite a no-op write takes the database's write lock), read fresh."""
    if lock:
        _take_write_lock(session, Theme, theme_id)
    query = select(Theme).where(Theme.id == theme_id, Theme.consultation_id == consultation.id)
    if lock:
        query = query.with_for_update()
    found = session.exec(query.execution_options(populate_existing=True)).first()
    if found is None:
        raise NotFound()
    return found


def _take_write_lock(session: Session, model: Any, row_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(model).where(model.id == row_id).values(version=model.version)
                        .execution_options(synchronize_session=False))


def locked_analysis(*, session: Session, consultation: Consultation) -> Analysis:
    """The consultation's analysis (made on first use), locked until the transaction ends and read fresh."""
    found = service.analysis_of(session=session, consultation=consultation)
    _take_write_lock(session, Analysis, found.id)  # type: ignore[arg-type]
    query = select(Analysis).where(Analysis.id == found.id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def placements(*, session: Session, consultation: Consultation) -> dict[int, ThemeComment]:
    rows = session.exec(select(ThemeComment).where(ThemeComment.consultation_id == consultation.id))
    return {row.comment_id: row for row in rows}


def _band_counts(comments: Sequence[AnalysedComment]) -> dict[str, int]:
    values = {band: 0 for band in BANDS}
    for c in comments:
        if c.age_band in values:
            values[c.age_band] += 1
    return values


def workspace(*, session: Session, consultation: Consultation) -> dict[str, AudienceView]:
    comments = analysable_comments(session=session, consultation=consultation)
    by_id = {c.id: c for c in comments}
    placed = placements(session=session, consultation=consultation)
    themes = themes_of(session=session, consultation=consultation)
    quotes = list(session.exec(select(Quote).where(col(Quote.theme_id).in_([t.id for t in themes])))) if themes else []
    quotable = quotable_ids(session=session, consultation=consultation, comment_ids=by_id)
    quoted = {(q.theme_id, q.comment_id) for q in quotes}

    def shown(c: AnalysedComment, theme: Theme | None = None) -> ShownComment:
        place = placed.get(c.id)
        return ShownComment(
            id=c.id, text=c.text, age_band=c.age_band, quotable=c.id in quotable,
            quoted=theme is not None and (theme.id, c.id) in quoted,
            central=theme is not None and c.id in (theme.central_ids or []),
            placed_by_person=place is not None and place.placed_by_id is not None,
        )

    views: dict[str, AudienceView] = {}
    for audience in (Audience.CHILD.value, Audience.GUARDIAN.value):
        mine = [c for c in comments if c.audience == audience]
        view = AudienceView(audience=audience, total=len(mine), in_theme=0, other=[], unsorted=[])
        members: dict[int, list[AnalysedComment]] = {}
        for c in mine:
            place = placed.get(c.id)
            if place is None:
                view.unsorted.append(shown(c))
            elif place.theme_id is None:
                view.other.append(shown(c))
            else:
                members.setdefault(place.theme_id, []).append(c)
        for theme in (t for t in themes if t.audience == audience):
            inside = members.get(theme.id, [])  # type: ignore[arg-type]
            view.in_theme += len(inside)
            view.in_accepted += len(inside) if theme.accepted else 0
            central = {cid: i for i, cid in enumerate(theme.central_ids or [])}
            ordered = sorted(inside, key=lambda c: (central.get(c.id, len(central)), c.id))
            view.themes.append(ThemeView(
                theme=theme, comments=[shown(c, theme) for c in ordered],
                size=suppression.total(len(inside)),
                by_band=suppression.cells(_band_counts(inside)) if audience == Audience.CHILD.value else {},
                quotes=[ShownQuote(text=by_id[q.comment_id].text, age_band=by_id[q.comment_id].age_band, audience=audience,
                                   comment_id=q.comment_id)
                        for q in sorted(quotes, key=lambda q: (q.position, q.id))  # type: ignore[arg-type]
                        if q.theme_id == theme.id and q.comment_id in quotable and q.comment_id in by_id
                        and placed.get(q.comment_id) is not None and placed[q.comment_id].theme_id == theme.id],
            ))
        views[audience] = view
    return views


def quotes_of(session: Session, consultation: Consultation) -> dict[int, list[ShownQuote]]:
    """{theme id: the quotes that may be shown now}: a comment still analysable, still in the theme, its author's
    QUOTE consent given today (CON-03). Withdrawing that consent takes a quote out of every page and report."""
    themes = themes_of(session=session, consultation=consultation)
    if not themes:
        return {}
    quotes = list(session.exec(select(Quote).where(col(Quote.theme_id).in_([t.id for t in themes]))
                               .order_by(col(Quote.position), col(Quote.id))))
    ids = {q.comment_id for q in quotes}
    comments = {c.id: c for c in analysable_comments(session=session, consultation=consultation, ids=ids)} if ids else {}
    allowed = quotable_ids(session=session, consultation=consultation, comment_ids=ids)
    placed = placements(session=session, consultation=consultation)
    found: dict[int, list[ShownQuote]] = {t.id: [] for t in themes}  # type: ignore[misc]
    for q in quotes:
        c = comments.get(q.comment_id)
        place = placed.get(q.comment_id)
        if c is None or q.comment_id not in allowed or place is None or place.theme_id != q.theme_id:
            continue
        found[q.theme_id].append(ShownQuote(text=c.text, age_band=c.age_band, audience=c.audience, comment_id=c.id))
    return found


# ---- suggestions -----------------------------------------------------------------------------------------------


def free_comments(*, session: Session, consultation: Consultation, audience: str) -> list[AnalysedComment]:
    """The comments the machine may (re)sort: not placed by a person, not in an accepted theme."""
    placed = placements(session=session, consultation=consultation)
    accepted = {t.id for t in themes_of(session=session, consultation=consultation, audience=audience) if t.accepted}
    found = []
    for c in analysable_comments(session=session, consultation=consultation, audience=audience):
        place = placed.get(c.id)
        if place is not None and (place.placed_by_id is not None or place.theme_id in accepted):
            continue
        found.append(c)
    return found


def store_suggestions(
    *, session: Session, consultation: Consultation, audience: str, suggestions: Sequence[Suggested], actor: Any,
) -> list[Theme]:
    """Replace the suggestions not yet accepted with these (for comments still free when they are stored)."""
    free = {c.id for c in free_comments(session=session, consultation=consultation, audience=audience)}
    old = [t for t in themes_of(session=session, consultation=consultation, audience=audience) if not t.accepted]
    old_ids = [t.id for t in old]
    if old_ids:
        session.execute(delete(Quote).where(col(Quote.theme_id).in_(old_ids)))
        session.execute(delete(ThemeComment).where(col(ThemeComment.theme_id).in_(old_ids), col(ThemeComment.placed_by_id).is_(None)))
        # A person's comment in a suggestion being replaced stays where the person put it: its suggestion too.
        kept = set(session.exec(select(ThemeComment.theme_id).where(col(ThemeComment.theme_id).in_(old_ids))).all())
        session.execute(delete(Theme).where(col(Theme.id).in_([i for i in old_ids if i not in kept])))
    session.execute(delete(ThemeComment).where(col(ThemeComment.comment_id).in_(free), col(ThemeComment.placed_by_id).is_(None),
                                               col(ThemeComment.theme_id).is_(None)))
    session.expire_all()
    position = max((t.position for t in themes_of(session=session, consultation=consultation)), default=0)
    made = []
    for suggested in suggestions:
        ids = [i for i in suggested.comment_ids if i in free]
        if not ids:
            continue
        position += 1
        theme = Theme(consultation_id=consultation.id, audience=audience, position=position, keywords=list(suggested.keywords),  # type: ignore[arg-type]
                      central_ids=[i for i in suggested.central_ids if i in ids], accepted=False,
                      name={"zh_Hans": " · ".join(suggested.keywords[:3])} if suggested.keywords else {})
        session.add(theme)
        session.flush()
        for cid in ids:
            session.add(ThemeComment(comment_id=cid, consultation_id=consultation.id, theme_id=theme.id))  # type: ignore[arg-type]
        made.append(theme)
    session.flush()
    audit.record(session, actor=actor, action="insights.themes_suggested", subject=consultation, audience=audience,
                 themes=len(made), comments=sum(len(s.comment_ids) for s in suggestions))
    return made


# ---- people decide ---------------------------------------------------------------------------------------------


def _touch(theme: Theme, actor: Any, version: int | None) -> None:
    check_version(theme, version)
    theme.accepted = True
    theme.updated_at = utcnow()
    theme.updated_by_id = getattr(actor, "id", None)


def accept(*, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any) -> Theme:
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    _touch(theme, actor, version)
    session.add(theme)
    audit.record(session, actor=actor, action="insights.theme_accepted", subject=theme)
    return theme


def _texts(value: dict[str, str], field_: TextField, *, required: bool = False) -> dict[str, str]:
    cleaned = {loc: field_.clean(text) for loc, text in clean_locales(value).items()}
    if required and not cleaned:
        raise InvalidInput(N_("Please give the theme a name (in Chinese or English)."), errors=[{"loc": ["name"], "msg": "required", "type": "missing"}])
    return cleaned


def edit_texts(
    *, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any,
    name: dict[str, str], description: dict[str, str], child_words: dict[str, str],
) -> Theme:
    """Rename, describe in one sentence, and the words a child reads (zh + en)."""
    names = _texts(name, NAME, required=True)
    descriptions = _texts(description, DESCRIPTION)
    words = _texts(child_words, CHILD_WORDS)
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    _touch(theme, actor, version)
    theme.name, theme.description, theme.child_words = names, descriptions, words
    session.add(theme)
    audit.record(session, actor=actor, action="insights.theme_edited", subject=theme)
    return theme


def _place(session: Session, consultation: Consultation, comment_ids: Iterable[int], theme_id: int | None, actor: Any) -> None:
    for cid in comment_ids:
        row = session.get(ThemeComment, cid)
        if row is None:
            row = ThemeComment(comment_id=cid, consultation_id=consultation.id)  # type: ignore[arg-type]
        row.theme_id = theme_id
        row.placed_by_id = getattr(actor, "id", None)
        row.placed_at = utcnow()
        session.add(row)
    session.flush()


def _members(session: Session, theme: Theme) -> list[int]:
    return list(session.exec(select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)).all())


def merge(*, session: Session, consultation: Consultation, theme_id: int, into_id: int, version: int | None,
          into_version: int | None = None, actor: Any) -> Theme:
    """The comments (and quotes) of `theme_id` go into `into_id`; `theme_id` is gone."""
    if theme_id == into_id:
        raise ThemesRule(N_("Please choose another theme to merge with."))
    first, second = sorted((theme_id, into_id))  # lock in id order: two merges at once never wait on each other
    locked = {i: theme_of(session=session, consultation=consultation, theme_id=i, lock=True) for i in (first, second)}
    theme, into = locked[theme_id], locked[into_id]
    if theme.audience != into.audience:
        raise ThemesRule(N_("Children's and guardians' comments are themed apart: they cannot be merged."))
    check_version(theme, version)
    _touch(into, actor, into_version)
    _place(session, consultation, _members(session, theme), into.id, actor)
    for quote in session.exec(select(Quote).where(Quote.theme_id == theme.id)).all():
        if session.exec(select(Quote).where(Quote.theme_id == into.id, Quote.comment_id == quote.comment_id)).first() is None:
            session.add(Quote(theme_id=into.id, comment_id=quote.comment_id, position=quote.position, picked_by_id=quote.picked_by_id))  # type: ignore[arg-type]
        session.delete(quote)
    into.keywords = list(dict.fromkeys([*into.keywords, *theme.keywords]))[:8]
    session.add(into)
    session.flush()
    session.delete(theme)
    audit.record(session, actor=actor, action="insights.themes_merged", subject=into, merged=theme_id)
    return into


def _audience_comment_ids(session: Session, consultation: Consultation, audience: str, ids: Iterable[int]) -> set[int]:
    return {c.id for c in analysable_comments(session=session, consultation=consultation, audience=audience, ids=ids)}


def split(*, session: Session, consultation: Consultation, theme_id: int, comment_ids: Sequence[int], version: int | None,
          name: dict[str, str], actor: Any) -> Theme:
    """Pick comments out of a theme into a new theme (accepted: a person made it)."""
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    check_version(theme, version)
    members = set(_members(session, theme))
    picked = [i for i in dict.fromkeys(comment_ids) if i in members]
    if not picked:
        raise ThemesRule(N_("Please tick the comments that go into the new theme."))
    names = _texts(name, NAME) or {"zh_Hans": " · ".join(theme.keywords[:2]) or "新主题", "en": "New theme"}
    position = max((t.position for t in themes_of(session=session, consultation=consultation)), default=0) + 1
    new = Theme(consultation_id=consultation.id, audience=theme.audience, position=position, name=names, accepted=True,  # type: ignore[arg-type]
                updated_by_id=getattr(actor, "id", None))
    session.add(new)
    session.flush()
    _place(session, consultation, picked, new.id, actor)
    session.execute(delete(Quote).where(Quote.theme_id == theme.id, col(Quote.comment_id).in_(picked)))
    theme.central_ids = [i for i in theme.central_ids if i not in picked]
    theme.updated_at = utcnow()
    session.add(theme)
    audit.record(session, actor=actor, action="insights.theme_split", subject=new, source=theme.id, comments=len(picked))
    return new


def move(*, session: Session, consultation: Consultation, comment_id: int, to: str, from_place: str, version: int | None,
         actor: Any) -> None:
    """Move one comment: `to` a theme's id, OTHER or UNSORTED. `from_place` (and `version`, that theme's) say where
    the person saw it: if it has moved meanwhile, or that theme changed, nothing is done (EditedMeanwhile)."""
    comment = next(iter(analysable_comments(session=session, consultation=consultation, ids=[comment_id])), None)
    if comment is None:
        raise NotFound()
    row = session.get(ThemeComment, comment_id, populate_existing=True)
    here = UNSORTED if row is None else OTHER if row.theme_id is None else str(row.theme_id)
    if here != from_place:
        raise EditedMeanwhile()
    if here not in (OTHER, UNSORTED):
        source = theme_of(session=session, consultation=consultation, theme_id=int(here), lock=True)
        check_version(source, version)
        session.execute(delete(Quote).where(Quote.theme_id == source.id, Quote.comment_id == comment_id))
        source.central_ids = [i for i in source.central_ids if i != comment_id]
        session.add(source)
    if to == UNSORTED:
        if row is not None:
            session.delete(row)
        session.flush()
    elif to == OTHER:
        _place(session, consultation, [comment_id], None, actor)
    else:
        target_id = _int(to)
        if target_id == (row.theme_id if row is not None else None):
            return
        target = theme_of(session=session, consultation=consultation, theme_id=target_id, lock=True)
        if target.audience != comment.audience:
            raise ThemesRule(N_("Children's and guardians' comments are themed apart."))
        _touch(target, actor, None)
        session.add(target)
        _place(session, consultation, [comment_id], target.id, actor)
    audit.record(session, actor=actor, action="insights.comment_moved", subject=consultation, comment=comment_id, to=to)


def _int(raw: str | int) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(N_("Please choose where the comment goes.")) from exc


def delete_theme(*, session: Session, consultation: Consultation, theme_id: int, version: int | None, actor: Any) -> None:
    """A theme goes; its comments become unsorted, its quotes go with it."""
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    check_version(theme, version)
    session.execute(delete(Quote).where(Quote.theme_id == theme.id))
    session.execute(delete(ThemeComment).where(ThemeComment.theme_id == theme.id))
    session.delete(theme)
    session.flush()
    audit.record(session, actor=actor, action="insights.theme_deleted", subject=consultation, theme=theme_id)


def pick_quote(*, session: Session, consultation: Consultation, theme_id: int, comment_id: int, version: int | None,
               actor: Any) -> Quote:
    """A comment of the theme stands for it; only one that may be quoted now (CON-03)."""
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    check_version(theme, version)
    if comment_id not in _members(session, theme):
        raise ThemesRule(N_("Only a comment of this theme can be quoted for it."))
    if comment_id not in quotable_ids(session=session, consultation=consultation, comment_ids=[comment_id]):
        raise ThemesRule(N_("This comment may not be quoted: its author has not agreed to be quoted."))
    existing = session.exec(select(Quote).where(Quote.theme_id == theme.id, Quote.comment_id == comment_id)).first()
    if existing is not None:
        return existing
    count = len(session.exec(select(Quote.id).where(Quote.theme_id == theme.id)).all())
    if count >= QUOTES_PER_THEME:
        raise ThemesRule(N_("A theme has at most %(n)s quotes. Remove one first."), n=QUOTES_PER_THEME)
    quote = Quote(theme_id=theme.id, comment_id=comment_id, position=count, picked_by_id=getattr(actor, "id", None))  # type: ignore[arg-type]
    session.add(quote)
    theme.updated_at = utcnow()
    session.add(theme)
    audit.record(session, actor=actor, action="insights.quote_picked", subject=theme, comment=comment_id)
    return quote


def unpick_quote(*, session: Session, consultation: Consultation, theme_id: int, comment_id: int, version: int | None,
                 actor: Any) -> None:
    theme = theme_of(session=session, consultation=consultation, theme_id=theme_id, lock=True)
    check_version(theme, version)
    session.execute(delete(Quote).where(Quote.theme_id == theme.id, Quote.comment_id == comment_id))
    theme.updated_at = utcnow()
    session.add(theme)
    audit.record(session, actor=actor, action="insights.quote_unpicked", subject=theme, comment=comment_id)


# ---- summaries ---------------------------------------------------------------------------------------------------


def save_summary(*, session: Session, consultation: Consultation, version: int | None, actor: Any,
                 summary: dict[str, str], child_summary: dict[str, dict[str, str]]) -> Analysis:
    """The summary in adult words (zh + en) and, per targeted age band, in a child's words."""
    texts = _texts(summary, SUMMARY)
    bands = [b for b in BANDS if b in (consultation.age_bands or BANDS)]
    children = {band: cleaned for band in bands if (cleaned := _texts(child_summary.get(band, {}), CHILD_SUMMARY))}
    analysis = locked_analysis(session=session, consultation=consultation)
    check_version(analysis, version)
    analysis.summary, analysis.child_summary = texts, children
    analysis.updated_at = utcnow()
    analysis.updated_by_id = getattr(actor, "id", None)
    session.add(analysis)
    audit.record(session, actor=actor, action="insights.summary_saved", subject=consultation)
    return analysis


def child_summary_for(analysis: Analysis, band: str | None) -> tuple[str | None, dict[str, str]]:
    """What a child of `band` reads: that band's summary, else the next older band's (like a consultation's
    brief), and which band it came from."""
    start = BANDS.index(band) if band in BANDS else 0
    for key in BANDS[start:]:
        found = analysis.child_summary.get(key) or {}
        if any(v.strip() for v in found.values()):
            return key, found
    return None, {}
