"""The shared tablet: the group's avatar grid, picture-code sign-in, the child's home screen, 'I'm done'."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
