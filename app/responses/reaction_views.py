"""What officials see of children's reactions to a consultation's response (issue 17, PAR-09): the faces, counted
through the one small-cell rule, and the approved "why" words with the age band only — never a name, group or id.
Readers (INSIGHTS_READ: analysts, officials, administrators)."""

from fastapi import Request
from fastapi.responses import Response

from app.accounts.deps import ReaderPage as Reader
from app.consultations import service as consultations
from app.consultations.charts import BAND_WORDS
from app.consultations.deps import WorkedOnPage
from app.core.db import Id, SessionDep
from app.core.i18n import localised
from app.core.routing import Router
from app.core.templating import render
from app.responses import hearing
from app.responses.models import Face

router = Router(include_in_schema=False, dependencies=[WorkedOnPage])  # issue 16: the consultation's department


@router.get("/consultations/{consultation_id}/reactions")
def reactions_page(request: Request, consultation_id: Id, session: SessionDep, user: Reader) -> Response:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    summary = hearing.reactions_of(session=session, consultation=consultation)
    return render(request, "responses/staff/reactions.html", {
        "consultation": consultation, "title": localised(consultation.title), "summary": summary,
        "faces": [(f.value, hearing.FACE_WORDS[f], hearing.FACE_PICTURES[f]) for f in Face],
        "face_words": {f.value: hearing.FACE_WORDS[f] for f in Face}, "band_words": BAND_WORDS,
    })
