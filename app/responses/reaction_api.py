"""Children's reactions to a consultation's response, for staff tokens (issue 17, PAR-09): the faces through the
one small-cell rule and the approved "why" words with the age band only."""

from pydantic import BaseModel

from app.accounts.deps import ReaderApi as Reader
from app.consultations import service as consultations
from app.consultations.deps import WorkedOnApi
from app.core.db import Id, SessionDep
from app.core.routing import Router
from app.responses import hearing
from app.responses.public_api import ChildCount

router = Router(prefix="/api/v1", tags=["responses"], dependencies=[WorkedOnApi])  # issue 16: the consultation's department


class WhyOut(BaseModel):
    face: str
    text: str
    age_band: str | None


class ReactionsOut(BaseModel):
    consultation_id: int
    total: ChildCount
    faces: dict[str, ChildCount]
    whys: list[WhyOut]


@router.get("/consultations/{consultation_id}/reactions", response_model=ReactionsOut,
            summary="Children's faces about the response (small groups suppressed) and the approved reasons")
def reactions(consultation_id: Id, session: SessionDep, user: Reader) -> ReactionsOut:
    consultation = consultations.get(session=session, consultation_id=consultation_id)
    summary = hearing.reactions_of(session=session, consultation=consultation)
    return ReactionsOut(
        consultation_id=consultation_id, total=ChildCount.of(summary.total),
        faces={face: ChildCount.of(count) for face, count in summary.faces.items()},
        whys=[WhyOut(face=face, text=text, age_band=band) for face, text, band in summary.whys],
    )
