"""What guardians see of "you said, we did" (issue 17, PAR-08): on their dashboard, the published responses of the
consultations their children took part in, each linking to the public page (a section registered with
app.core.guardian_home; consent owns the dashboard and imports no responses)."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.core import guardian_home
from app.responses import hearing


def _section(session: Session, guardian: Any, children: Sequence[Any]) -> dict[str, Any]:
    return {"heard_responses": hearing.for_guardian(session=session, children=children)}


guardian_home.register_section("responses/guardian/_home_section.html", provide=_section)
