"""Children check the summary: "did we understand you?" (issue 16, PAR-05…PAR-07). Never commits: the actions do.

The analysis moves working → checking → checked (`analysis.state`, version-checked like every analysis edit):

- **Ask the children** (`start`): only once the consultation is closed and at least one accepted children's
  theme has words a child reads in Chinese (the default locale). While the analysis is `checking`, every child
  who took part (a participation row, PARTICIPATE allowed now: CON-04) finds a card on their home.
- **End the check** (`end`) or **skip it** (`skip`, with a reason the report prints): the analysis is `checked`.
- A child answers each theme "yes, that's what we said" or "not quite" (`record`): one row per child per theme,
  settled by the database (an upsert on its unique constraint), so a second tap changes it and a retry counts
  once. "Something is missing" is a comment on the consultation as a whole, stored by consultations
  (`answering.child_comment`): screened and moderated like every comment, and once approved it joins the
  analysis like any other (`service.analysable_comments`).
- The analyst sees per theme how many children agreed, through `app.core.suppression` only (DP-12): never a
  count under 5, never a child.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.consent import service as consent
from app.consent.models import Purpose
from app.consultations import answering
from app.consultations.models import AuthorKind, Channel, Consultation, Participation, State
from app.consultations.service import NotForYou
from app.core import audit, suppression
from app.core.db import dialect_insert, utcnow
from app.core.errors import Conflict, NotFound
from app.core.i18n import N_, gettext
from app.core.validation import TextField
from app.corps.models import Child
from app.insights.models import ANALYSIS_STATE_LABELS, Analysis, AnalysisState, Audience, Theme, ThemeCheck
from app.insights.service import AnalysedComment, analysable_comments, analysis_of, check_version

SKIP_REASON = TextField("reason", N_("Why the children's check is skipped"), 1000, min=1,
                        too_short=N_("Please say why the children's check is skipped: the report prints it."))

# What is missing before the children can be asked (shown to the analyst, each in words).
NOT_CLOSED = "not_closed"
NO_THEMES = "no_themes"
MISSING_WORDS: dict[str, str] = {
    NOT_CLOSED: N_("The consultation is still open. Children check the themes after it closes."),
    NO_THEMES: N_("There is no accepted children's theme with words for children in Chinese yet. Accept at least one "
                  "theme and write what it says in a child's words."),
}


class CheckNotReady(Conflict):
    title = N_("The children cannot check the themes yet")
    detail = N_("Something is still missing: %(missing)s")
    slug = "check-not-ready"


class WrongCheckState(Conflict):
    title = N_("The children's check is not at that step")
    detail = N_("The children's check is now: %(state)s. Nothing was changed.")
    slug = "check-wrong-state"


# ---- the staff side ------------------------------------------------------------------------------------


def checkable_themes(*, session: Session, consultation: Consultation) -> list[Theme]:
    """The themes children check: accepted, of children's comments, with words for a child in Chinese."""
    themes = session.exec(
        select(Theme).where(Theme.consultation_id == consultation.id, Theme.audience == Audience.CHILD.value, col(Theme.accepted).is_(True))
        .order_by(col(Theme.position), col(Theme.id))
    ).all()
    return [t for t in themes if (t.child_words or {}).get("zh_Hans", "").strip()]


def missing_for_start(*, session: Session, consultation: Consultation) -> list[str]:
    """What stops "Ask the children" now (keys of MISSING_WORDS); empty: the children may be asked."""
    missing = []
    if consultation.state() != State.CLOSED:
        missing.append(NOT_CLOSED)
    if not checkable_themes(session=session, consultation=consultation):
        missing.append(NO_THEMES)
    return missing


def _expect(analysis: Analysis, *states: AnalysisState) -> None:
    if analysis.state not in {s.value for s in states}:
        raise WrongCheckState(state=gettext(ANALYSIS_STATE_LABELS[AnalysisState(analysis.state)]))


def _touch(analysis: Analysis, actor: object) -> None:
    analysis.updated_at = utcnow()
    analysis.updated_by_id = getattr(actor, "id", None)


def start(*, session: Session, actor: object, consultation: Consultation, version: int | None) -> Analysis:
    """Ask the children (working → checking)."""
    analysis = analysis_of(session=session, consultation=consultation, lock=True)
    check_version(analysis, version)
    _expect(analysis, AnalysisState.WORKING)
    missing = missing_for_start(session=session, consultation=consultation)
    if missing:
        raise CheckNotReady(missing=" ".join(gettext(MISSING_WORDS[m]) for m in missing))
    analysis.state = AnalysisState.CHECKING.value
    analysis.check_started_at = utcnow()
    analysis.check_skipped_reason = None
    _touch(analysis, actor)
    session.add(analysis)
    audit.record(session, actor=actor, action="insights.check_started", subject=consultation,  # type: ignore[arg-type]
                 themes=len(checkable_themes(session=session, consultation=consultation)), version=analysis.version)
    return analysis


def end(*, session: Session, actor: object, consultation: Consultation, version: int | None) -> Analysis:
    """End the check (checking → checked): the children's cards go away; their answers stay."""
    analysis = analysis_of(session=session, consultation=consultation, lock=True)
    check_version(analysis, version)
    _expect(analysis, AnalysisState.CHECKING)
    analysis.state = AnalysisState.CHECKED.value
    analysis.check_ended_at = utcnow()
    _touch(analysis, actor)
    session.add(analysis)
    audit.record(session, actor=actor, action="insights.check_ended", subject=consultation, version=analysis.version)  # type: ignore[arg-type]
    return analysis


def skip(*, session: Session, actor: object, consultation: Consultation, version: int | None, reason: str | None) -> Analysis:
    """Skip the check, with a reason the report prints (working or checking → checked)."""
    reason = SKIP_REASON.clean(reason)
    analysis = analysis_of(session=session, consultation=consultation, lock=True)
    check_version(analysis, version)
    _expect(analysis, AnalysisState.WORKING, AnalysisState.CHECKING)
    analysis.state = AnalysisState.CHECKED.value
    analysis.check_skipped_reason = reason
    analysis.check_ended_at = utcnow()
    _touch(analysis, actor)
    session.add(analysis)
    audit.record(session, actor=actor, action="insights.check_skipped", subject=consultation, reason=reason, version=analysis.version)  # type: ignore[arg-type]
    return analysis


@dataclass(frozen=True)
class ThemeTally:
    """How children answered one theme, as it may be shown (DP-12): `answered` stands alone; `yes` and
    `not_quite` add up to it, so a small one hides the other too (secondary suppression)."""

    theme: Theme
    answered: suppression.Count
    yes: suppression.Count
    not_quite: suppression.Count


def tallies(*, session: Session, consultation: Consultation) -> list[ThemeTally]:
    """Per theme children check: children who said yes / not quite. Only children whose taking part is
    allowed now count (CON-07: a withdrawn child's words leave the analysis)."""
    themes = checkable_themes(session=session, consultation=consultation)
    rows = session.exec(
        select(ThemeCheck.theme_id, ThemeCheck.child_id, ThemeCheck.agrees).where(ThemeCheck.consultation_id == consultation.id)
    ).all()
    child_ids = {child_id for _t, child_id, _a in rows}
    children = list(session.exec(select(Child).where(col(Child.id).in_(child_ids)))) if child_ids else []
    allowed = consent.allowed_among(session=session, children=children, purpose=Purpose.PARTICIPATE)
    counts: dict[int, dict[bool, int]] = {t.id: {True: 0, False: 0} for t in themes}  # type: ignore[misc]
    for theme_id, child_id, agrees in rows:
        if theme_id in counts and child_id in allowed:
            counts[theme_id][bool(agrees)] += 1
    found = []
    for theme in themes:
        values = counts[theme.id]  # type: ignore[index]
        cells = suppression.cells({"yes": values[True], "not_quite": values[False]})
        found.append(ThemeTally(theme, suppression.total(values[True] + values[False]), cells["yes"], cells["not_quite"]))
    return found


def missing_comments(*, session: Session, consultation: Consultation) -> list[AnalysedComment]:
    """Children's approved "something is missing" words (comments on the consultation as a whole): what may be
    shown of them is the text and the age band, never who."""
    return [c for c in analysable_comments(session=session, consultation=consultation, audience=AuthorKind.CHILD.value) if c.question_id is None]


# ---- the child's side ----------------------------------------------------------------------------------


def _checking(session: Session, consultation_id: int, *, hold: bool = False) -> tuple[Consultation, Analysis] | None:
    """The consultation and its analysis while it is `checking`. `hold`: the analysis row is held (FOR SHARE) until
    the transaction ends, so "End the check" (FOR UPDATE) waits for an answer being written, or the answer sees
    the end."""
    query = (
        select(Consultation, Analysis).join(Analysis, col(Analysis.consultation_id) == Consultation.id)
        .where(Consultation.id == consultation_id, Analysis.state == AnalysisState.CHECKING.value)
    )
    row = session.exec(query.with_for_update(read=True, of=Analysis) if hold else query).first()
    return (row[0], row[1]) if row else None


def took_part(*, session: Session, child: Child, consultation_id: int) -> bool:
    return session.exec(
        select(Participation.id).where(Participation.child_id == child.id, Participation.consultation_id == consultation_id)
    ).first() is not None


def for_child_to_check(*, session: Session, child: Child, consultation_id: int, hold: bool = False) -> Consultation:
    """The consultation whose themes this child may check now: its analysis is `checking` and the child took
    part. Otherwise "not found" (nothing says there is a check the child is not part of). The caller's consent
    guard already checked PARTICIPATE."""
    found = _checking(session, consultation_id, hold=hold)
    if found is None or not took_part(session=session, child=child, consultation_id=consultation_id):
        raise NotForYou()
    consultation, _analysis = found
    if not checkable_themes(session=session, consultation=consultation):
        raise NotForYou()
    return consultation


def answers_of(*, session: Session, child: Child, consultation: Consultation) -> dict[int, bool]:
    """The child's own answers by theme id (True: "yes, that's what we said")."""
    rows = session.exec(
        select(ThemeCheck.theme_id, ThemeCheck.agrees).where(ThemeCheck.child_id == child.id, ThemeCheck.consultation_id == consultation.id)
    ).all()
    return {theme_id: bool(agrees) for theme_id, agrees in rows}


def record(*, session: Session, child: Child, consultation: Consultation, theme_id: int, agrees: bool) -> ThemeCheck:
    """The child's answer to one theme: one row per child per theme, upserted on the unique constraint
    (a second tap changes it; a retry, even at the same moment, counts once). Consent is held for the write
    (CON-07); the analysis must still be `checking` (read in the same transaction)."""
    consent.require(session=session, child=child, purpose=Purpose.PARTICIPATE, hold=True)
    consultation = for_child_to_check(session=session, child=child, consultation_id=consultation.id, hold=True)  # type: ignore[arg-type]
    if theme_id not in {t.id for t in checkable_themes(session=session, consultation=consultation)}:
        raise NotFound()
    now = utcnow()
    table = ThemeCheck.__table__  # type: ignore[attr-defined]
    upsert = dialect_insert(session)(table).values(
        theme_id=theme_id, consultation_id=consultation.id, child_id=child.id, agrees=agrees, created_at=now, updated_at=now,
    )
    session.execute(upsert.on_conflict_do_update(index_elements=["theme_id", "child_id"], set_={"agrees": agrees, "updated_at": now}))
    return session.exec(
        select(ThemeCheck).where(ThemeCheck.theme_id == theme_id, ThemeCheck.child_id == child.id).execution_options(populate_existing=True)
    ).one()


def send_missing(*, session: Session, child: Child, consultation: Consultation, text: str, on_tablet: bool) -> bool:
    """"Something is missing": through consultations' comment path (screened, held for moderation, a disclosure
    to safeguarding). Returns whether the words went to safeguarding (the calm screen, SG-05)."""

    consultation = for_child_to_check(session=session, child=child, consultation_id=consultation.id)  # type: ignore[arg-type]
    _comment, told = answering.child_comment(session=session, child=child, consultation=consultation, text=text,
                                             channel=Channel.TABLET if on_tablet else Channel.PHONE)
    return told


@dataclass(frozen=True)
class CheckCard:
    """A card on the child's home: a consultation whose themes the child may check."""

    consultation: Consultation
    themes: int
    answered: int

    @property
    def done(self) -> bool:
        return self.answered >= self.themes


def cards_for(*, session: Session, child: Child) -> list[CheckCard]:
    """The checks waiting for this child (the home section; called only while the child takes part)."""
    rows = session.exec(
        select(Consultation).join(Analysis, col(Analysis.consultation_id) == Consultation.id)
        .join(Participation, col(Participation.consultation_id) == Consultation.id)
        .where(Analysis.state == AnalysisState.CHECKING.value, Participation.child_id == child.id)
        .order_by(col(Analysis.check_started_at).desc(), col(Consultation.id))
    ).all()
    cards = []
    for consultation in rows:
        themes = {t.id for t in checkable_themes(session=session, consultation=consultation)}
        if not themes:
            continue
        answered = session.exec(
            select(func.count()).select_from(ThemeCheck)
            .where(ThemeCheck.child_id == child.id, col(ThemeCheck.theme_id).in_(themes))
        ).one()
        cards.append(CheckCard(consultation, len(themes), answered))
    return cards


def state_of(*, session: Session, consultation: Consultation) -> Analysis:
    return analysis_of(session=session, consultation=consultation)
