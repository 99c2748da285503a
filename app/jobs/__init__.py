"""A job's progress for the person who asked for it (issue 15): the page `/jobs/{id}` and `GET /api/v1/jobs/{id}`.
The jobs themselves are app.core.jobs; this package only shows them (as app/audit shows app.core.audit)."""
