"""A guardian's own view on consultations that target their children's groups, held for moderation."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
