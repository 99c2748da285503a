"""The project library pages (儿童友好城市项目库)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
