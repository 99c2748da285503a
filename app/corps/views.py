"""Staff pages of the observer corps: districts, groups, facilitators, children, identity, import."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
