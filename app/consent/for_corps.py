"""What consent shows facilitators on the corps' pages (issue 18): each child's state per purpose, registered
with the corps (app.corps.service.register_child_facts), which imports nothing of consent."""

from sqlmodel import Session, col, select

from app.consent.models import CONSENT_STATUS_LABELS, ConsentState, ConsentStatus, Purpose
from app.core.i18n import N_
from app.corps import service as corps
from app.corps.models import Child

PURPOSE_WORDS = {
    Purpose.PARTICIPATE: N_("Consent to take part"),
    Purpose.QUOTE: N_("Consent to quote their words"),
    Purpose.NOTIFY_GUARDIAN: N_("Messages to the guardian"),
}
TONES = {ConsentStatus.GRANTED.value: "ok", ConsentStatus.NONE.value: "wait", ConsentStatus.NEEDS_RECONSENT.value: "wait"}
CHILD_SAID = N_("Child said not now")


def _facts(session: Session, children: list[Child]) -> dict[int, list[corps.ChildFact]]:
    ids = [c.id for c in children if c.id is not None]
    states = session.exec(select(ConsentState).where(col(ConsentState.child_id).in_(ids))).all() if ids else []
    by_child: dict[int, dict[str, ConsentState]] = {}
    for state in states:
        by_child.setdefault(state.child_id, {})[state.purpose] = state
    found: dict[int, list[corps.ChildFact]] = {}
    for child_id in ids:
        facts = []
        for purpose, label in PURPOSE_WORDS.items():
            state = by_child.get(child_id, {}).get(purpose.value)
            status = state.status if state is not None else ConsentStatus.NONE.value
            value, tone = CONSENT_STATUS_LABELS[ConsentStatus(status)], TONES.get(status, "off")
            if purpose == Purpose.PARTICIPATE and status == ConsentStatus.GRANTED.value and state is not None \
                    and state.assent in (ConsentStatus.REFUSED.value, ConsentStatus.WITHDRAWN.value):
                value, tone = CHILD_SAID, "off"  # the guardian agreed; the child's own "not now" (CON-08)
            facts.append(corps.ChildFact(label, value, tone))
        found[child_id] = facts
    return found


corps.register_child_facts(_facts)
