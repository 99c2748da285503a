"""The one router class (app.core.routing.Router): a router none of whose routes can match the path says
"no match" at once; the answers users see (the page, 404, 405) are the same as FastAPI's own."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Match

from app.core.routing import Paths, Router


def scope(path: str, method: str = "GET") -> dict:
    return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}


def test_a_path_may_match_a_route_only_if_it_equals_it_or_starts_with_its_text_before_a_parameter():
    paths = Paths(["/", "/me", "/api/v1/me/consultations/{consultation_id}", "/api/v1/me/consultations/{consultation_id}/answers"])
    assert paths.may_match("/") and paths.may_match("/me")
    assert paths.may_match("/api/v1/me/consultations/3/answers")
    assert not paths.may_match("/me/help")
    assert not paths.may_match("/api/v1/projects/3")


def test_a_router_says_no_at_once_to_a_path_none_of_its_routes_can_have():
    router = Router()

    @router.get("/me/things/{thing_id}")
    def thing(thing_id: int) -> dict:
        return {"id": thing_id}

    assert router.matches(scope("/staff/things/1")) == (Match.NONE, {})
    assert router.matches(scope("/me/other/1")) == (Match.NONE, {})


def test_a_router_with_a_parameter_first_is_always_asked():
    router = Router()

    @router.get("/{slug}")
    def page(slug: str) -> dict:
        return {"slug": slug}

    assert router.paths().may_match("/anything")


def test_pages_not_found_and_wrong_methods_answer_as_before():
    app = FastAPI()
    first, second = Router(), Router(prefix="/api/v1")

    @first.get("/me/things/{thing_id}")
    def thing(thing_id: int) -> dict:
        return {"id": thing_id}

    @second.post("/things")
    def make() -> dict:
        return {"made": True}

    app.include_router(first)
    app.include_router(second)
    client = TestClient(app)
    assert client.get("/me/things/4").json() == {"id": 4}
    assert client.post("/api/v1/things").json() == {"made": True}
    assert client.get("/api/v1/things").status_code == 405
    assert client.get("/nowhere").status_code == 404
    assert client.get("/me/nothing").status_code == 404
