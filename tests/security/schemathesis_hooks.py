"""Schemathesis hooks for Yimi's fuzzing run (SCHEMATHESIS_HOOKS=tests.security.schemathesis_hooks).

One check replaces Schemathesis's `positive_data_acceptance`. The rule is the same — a request the schema calls
valid must not be refused as invalid — with one reviewed exception: a refusal (422) whose problem `type` names a
rule that a JSON schema cannot state (a date after another date, an answer that must belong to the question it
answers, a nickname that looks like a real name…). Every rule the schema can state is in the schema (issue 13):
a 422 of any other type on schema-valid data fails the run, exactly as the built-in check would.
"""

from __future__ import annotations

import json

import schemathesis

# Problem types (`/problems/<slug>`) of rules beyond JSON Schema: across fields, across records, or about the
# world (what the words mean). Each is raised by a service with its own error class; grep the slug to find it.
RULES_BEYOND_THE_SCHEMA = frozenset({
    "weak-password",  # a password must not be common nor hold the username
    "reason-needed",  # a moderation decision `rejected` needs a reason
    "nothing-to-hide",  # a redaction with no parts chosen and no personal details found in the words
    "reference-needed",  # a safeguarding report needs its reference
    "detail-needed",  # an assessment needs how serious; a note needs its words
    "picture-too-large",  # a picture's pixels are read from its content
    "lundy-gate",  # PAR-01: a consultation is scheduled only with every Lundy item given (several fields)
    "dates-out-of-order",  # closes after it opens, the response after the close
    "answer-does-not-fit",  # an answer must fit its question's kind (one option, a face, an order…)
    "looks-like-a-real-name",  # a child's nickname must not look like a full name (SEC-03)
    "not-a-facilitator",  # only facilitators look after groups
    "unknown-reference",  # a district, group or project id that names nothing
    "birth-out-of-range",  # a child is 6 to 17 on the day of enrolment (year and month together)
    "options-do-not-fit",  # a question's options must fit its kind (choices need two; faces and texts none)
    "import-refused",  # a CSV file with a bad line (one error per line)
    "bad-picture",  # a picture is checked by its content, not its name
    "idempotency-key",  # a child's send carries the key of the form it was given
    "bad-document",  # issue 17: a decision's document is a PDF by its content, not its name
    "response-details-needed",  # "not adopted" needs its reason, "still being decided" its date, a dropped commitment its reason
    "publish-check",  # a response is published only with every theme answered, each band's words, a decision linked
    "correction-note-needed",  # a publication after the first says what it changes
    "themes-rule",  # issue 16: merge with another theme of the same audience; split and quote a theme's own comments
})

POSITIVE_CHECK = "positive_data_acceptance"


def _problem_type(response) -> str:  # noqa: ANN001
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return ""
    kind = body.get("type", "") if isinstance(body, dict) else ""
    return kind.rsplit("/", 1)[-1]


@schemathesis.check
def positive_data_is_accepted_or_refused_by_a_stated_rule(ctx, response, case) -> bool | None:  # noqa: ANN001
    """Schema-valid data is accepted, or refused (422) only by a rule a JSON schema cannot state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    kind = _problem_type(response)
    if response.status_code == 422 and kind in RULES_BEYOND_THE_SCHEMA:
        return True
    raise AssertionError(
        f"Valid data should have been accepted: 422 `{kind or 'no problem type'}` is a rule the schema does not "
        f"state. Put it in the request model (or, if no JSON schema can state it, give its error a rule of its "
        f"own and list it in tests/security/schemathesis_hooks.py)."
    )
