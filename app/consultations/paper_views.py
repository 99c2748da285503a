"""Paper responses (PAR-14): a facilitator enters the paper answers of consenting children of their group."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
