"""JSON API of the observer corps under /api/v1/corps."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/corps", tags=["corps"])
