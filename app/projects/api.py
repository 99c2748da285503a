"""JSON API for the project library under /api/v1/projects."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])
