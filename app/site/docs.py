"""The API's description (/openapi.json) and its documentation page (/api/docs), served from this server.

In production only signed-in staff (a session cookie or an API token) read them, unless
`YIMI_API_DOCS_PUBLIC=true` opens them; in development and tests they are open (issue 13). The page is
Swagger UI vendored from npm (`swagger-ui-dist`, static/vendor/): nothing is fetched from a CDN, and the
page's script is a file of ours, so the CSP stays as strict as everywhere else."""

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.security.utils import get_authorization_scheme_param

from app.accounts import actions as accounts
from app.accounts.deps import SESSION_COOKIE
from app.core.answers import problem
from app.core.config import get_settings
from app.core.db import new_session
from app.core.errors import NotSignedIn
from app.core.routing import Router
from app.core.templating import redirect, render

router = Router(include_in_schema=False)


def _open_to(request: Request) -> bool:
    settings = get_settings()
    public = settings.api_docs_public if settings.api_docs_public is not None else not settings.is_production
    if public:
        return True
    scheme, raw = get_authorization_scheme_param(request.headers.get("Authorization"))
    cookie = request.cookies.get(SESSION_COOKIE)
    with new_session() as session:
        if scheme.lower() == "bearer" and raw:
            return accounts.user_for_api_token(session=session, raw=raw) is not None
        if cookie:
            found = accounts.resolve_session(session=session, token=cookie)
            return found.user is not None and not found.user.must_change_password
    return False


@router.get("/openapi.json")
def openapi(request: Request) -> Response:
    if not _open_to(request):
        return problem(request, NotSignedIn())  # a JSON resource: a problem, never a redirect to a page
    return JSONResponse(request.app.openapi())


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    if not _open_to(request):
        return redirect("/signin?next=/api/docs")
    return render(request, "site/api_docs.html")
