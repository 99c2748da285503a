"""What safeguarding keeps of a child through an erasure (app/core/child_data.py, docs/decisions.md):
safeguarding cases are records the law requires (ROMO Art. 38(2), MPL Art. 80; PIPL Art. 47 allows keeping
them). They are never listed on the guardian's receipt, because a guardian may be the source of harm (SG-04);
the officers are told in the audit log instead."""

from app.core import child_data
from app.core.child_data import ChildData
from app.safeguarding import service as safeguarding


def _note(session, subject) -> dict[str, int]:  # noqa: ANN001
    safeguarding.note_erasure(session=session, child=subject.child)
    return {}


child_data.register(ChildData(
    name="safeguarding",
    kept={"safeguarding_case": "safeguarding records kept by law (ROMO 38(2), MPL 80, PIPL 47); never on the guardian's receipt (SG-04)"},
    erase=_note,
    order=0,
))
