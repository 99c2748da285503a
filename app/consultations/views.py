"""Officials' pages: list and filter, create and edit with the Lundy gate, questions, picture, schedule, close early, duplicate."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
