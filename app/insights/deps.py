"""Who is asking, for insights' routes (issue 16)."""

from typing import Annotated

from fastapi import Depends, Request

from app.consent import service as consent
from app.consent.deps import ConsentGuard
from app.consent.models import Purpose
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.corps.deps import SignedInChild
from app.corps.models import Child


class CheckingGuard(ConsentGuard):
    """The consent guard (CON-04) for the children's check: a child whose taking part is not allowed now
    (never agreed, withdrew, or their guardian withdrew) finds nothing here, a 404 like any address that is
    not theirs, rather than a page saying there is a check they are not part of."""

    def __call__(self, request: Request, session: SessionDep, child: SignedInChild) -> Child:
        if not consent.allows(session=session, child=child, purpose=self.purpose):
            refusal = NotFound()
            if request.headers.get("HX-Request") == "true":
                refusal.headers["HX-Redirect"] = "/me"
            raise refusal
        return child


CheckingChild = Annotated[Child, Depends(CheckingGuard(Purpose.PARTICIPATE))]
