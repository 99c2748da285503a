"""The child's pages: open consultations, the brief, questions one per screen, review, send, thanks with a receipt, results; and the official's preview as a child of each age band."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
