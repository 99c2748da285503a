"""create_app(): middleware, routers, static files, error handlers."""

import logging
from collections.abc import Iterator

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app import handlers, models  # noqa: F401 - every table and every job handler known before the first request
from app.accounts import api as accounts_api
from app.accounts import views as accounts_views
from app.accounts.deps import load_principal
from app.audit import api as audit_api
from app.audit import views as audit_views
from app.consent import api as consent_api
from app.consent import child_views as consent_child_views
from app.consent import for_corps  # noqa: F401 - facilitators see consent on the corps' pages
from app.consent import views as consent_views
from app.consent.deps import load_guardian
from app.consultations import api as consultations_api
from app.consultations import child_api as consultations_child_api
from app.consultations import child_views as consultations_child_views
from app.consultations import comment_views as consultations_comment_views
from app.consultations import guardian_views as consultations_guardian_views
from app.consultations import paper_views as consultations_paper_views
from app.consultations import projects_related  # noqa: F401 - the project library lists the consultations that point at a project
from app.consultations import views as consultations_views
from app.core import answers, openapi
from app.core.config import BASE_DIR, Settings, get_settings
from app.core.csrf import csrf_protect
from app.core.middleware import middleware_stack
from app.corps import api as corps_api
from app.corps import tablet_views as corps_tablet_views
from app.corps import views as corps_views
from app.corps.deps import load_child
from app.insights import check_api as insights_check_api
from app.insights import check_views as insights_check_views
from app.insights import child_views as insights_child_views
from app.insights import report_api as insights_report_api
from app.insights import report_views as insights_report_views
from app.insights import theme_api as insights_theme_api
from app.insights import theme_views as insights_theme_views
from app.jobs import api as jobs_api
from app.jobs import views as jobs_views
from app.moderation import api as moderation_api
from app.moderation import views as moderation_views
from app.notifications import api as notifications_api
from app.notifications import views as notifications_views
from app.projects import api as projects_api
from app.projects import views as projects_views
from app.responses import api as responses_api
from app.responses import child_views as responses_child_views
from app.responses import guardian_views as responses_guardian_views  # noqa: F401 - guardians see the city's answers on their dashboard
from app.responses import projects_related as responses_projects_related  # noqa: F401 - a project's page lists its commitments
from app.responses import public_api as responses_public_api
from app.responses import public_views as responses_public_views
from app.responses import reaction_api as responses_reaction_api
from app.responses import reaction_views as responses_reaction_views
from app.responses import views as responses_views
from app.safeguarding import api as safeguarding_api
from app.safeguarding import views as safeguarding_views
from app.site import api as site_api
from app.site import docs as site_docs
from app.site import views as site_views

API_DESCRIPTION = """The JSON API of Yimi (一米). Authenticate with `Authorization: Bearer <token>`,
using a token an administrator issued on the staff account's page. Errors are RFC 9457 problem details."""


ROUTERS = (
    site_views.router,
    site_docs.router,
    site_api.router,
    accounts_views.router,
    accounts_api.router,
    audit_views.router,
    audit_api.router,
    corps_views.router,
    corps_api.router,
    corps_tablet_views.router,
    consent_child_views.router,
    notifications_views.router,
    notifications_api.router,
    consent_views.router,
    consent_api.router,
    consultations_views.router,
    consultations_child_views.router,
    consultations_guardian_views.router,
    consultations_paper_views.router,
    consultations_comment_views.router,
    consultations_api.router,
    consultations_child_api.router,
    projects_views.router,
    projects_api.router,
    insights_check_views.router,
    insights_child_views.router,
    insights_check_api.router,
    responses_views.router,
    responses_api.router,
    moderation_views.router,
    moderation_api.router,
    consultations_api.moderation_router,  # a consultation's transparency counts, listed with moderation's API
    responses_child_views.router,
    responses_public_views.router,
    responses_public_api.router,
    responses_reaction_views.router,
    responses_reaction_api.router,
    insights_theme_views.router,
    insights_theme_api.router,
    safeguarding_views.router,
    safeguarding_api.router,
    insights_report_views.router,
    insights_report_api.router,
    jobs_views.router,
    jobs_api.router,
)


def routes() -> Iterator[APIRoute]:
    """Every route of every domain (for the CSRF and permission-matrix tests)."""
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield route


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title="Yimi API",
        version="1",
        description=API_DESCRIPTION,
        # Served by app.site.docs from this server (vendored Swagger UI), to staff only in production.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Order matters: who is asking first, then the CSRF check that depends on their session.
        dependencies=[Depends(load_principal), Depends(load_child), Depends(load_guardian), Depends(csrf_protect)],
    )
    app.state.settings = settings
    for middleware in reversed(middleware_stack()):
        app.add_middleware(middleware)
    answers.install(app)
    openapi.install(app)
    app.mount("/static", StaticFiles(directory=BASE_DIR / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.state.route_methods = [(route.path_regex, set(route.methods)) for route in routes()]
    return app
