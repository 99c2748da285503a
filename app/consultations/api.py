"""JSON API under /api/v1/consultations (staff tokens) and /api/v1/me/consultations (the child's own session only)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["consultations"])
