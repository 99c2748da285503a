"""`yimi serve` — the command the Docker image runs — starts several workers that share the database."""

import re

import httpx
import pytest

from tests.conftest import PASSWORD, make_user


@pytest.fixture
def served(served_app, session):  # noqa: ANN001, ANN201
    make_user(session, "served1")
    return served_app


def test_serve_with_two_workers_answers_and_keeps_sessions_in_the_database(served):
    with httpx.Client(base_url=served) as client:
        page = client.get("/signin")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        response = client.post("/signin", data={"username": "served1", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        # Whichever worker answers, the server-side session is found.
        assert all(client.get("/staff").status_code == 200 for _ in range(10))
