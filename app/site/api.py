"""Health probes and the help contacts as JSON."""


from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import get_settings
from app.core.db import get_engine
from app.core.i18n import get_locale, gettext
from app.core.migrate import at_head
from app.core.routing import Router

router = Router(tags=["site"])


class Health(BaseModel):
    status: str
    detail: str | None = None


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}}, summary="Ready for traffic")
def readyz() -> JSONResponse:
    """Ready when the database answers and its schema is at the newest migration."""
    engine = get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if not at_head(engine):
            return JSONResponse({"status": "unavailable", "detail": "migrations are not at head: run `yimi db upgrade`"}, 503)
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "detail": "database unreachable"}, 503)
    return JSONResponse({"status": "ok"})


class HelpContacts(BaseModel):
    locale: str
    hotline: str
    hotline_label: str
    police: str
    police_label: str


@router.get("/api/v1/help", response_model=HelpContacts, summary="Where a child can get help now (no sign-in)")
def help_contacts() -> HelpContacts:
    settings = get_settings()
    return HelpContacts(
        locale=get_locale(),
        hotline=settings.help_hotline,
        hotline_label=gettext("Youth hotline: someone kind to talk to"),
        police=settings.help_police,
        police_label=gettext("Police: if you are in danger right now"),
    )
