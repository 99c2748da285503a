"""What people type into forms, checked one way (issue 13.8).

Every text a form posts arrives through `FormText`: one hard cap shared by every form, far above any field's
own limit and there only against abuse. A text too long (or too short) for its field therefore reaches the
service, which checks it with the field's `TextField` and raises `InvalidInput` naming the field by its label
and giving the limit; the view shows the form again with what was typed and that message. Nothing is ever
cut to fit: a cut text is a lost text. The page's `maxlength` reads the same `TextField`, so the form and
the service cannot disagree about a number.

What is left for the generic "Some answers need another look" page (a value over the hard cap, a malformed
post) names each field in words: `problems_in_words` reads the labels the route gave its fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NotRequired, Required

from fastapi import Form, Request
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from typing_extensions import TypedDict

from app.core.errors import InvalidInput
from app.core.i18n import N_, gettext

# Far above the longest field of any form (10,000 characters), far below the request body limit.
FORM_TEXT_MAX = 20_000

TOO_LONG = N_("“%(field)s” is too long: at most %(max)s characters. Please shorten it. Nothing was saved yet.")
TOO_SHORT = N_("“%(field)s” needs at least %(min)s characters. Nothing was saved yet.")
REQUIRED = N_("Please fill in “%(field)s”. Nothing was saved yet.")
NOT_VALID = N_("Please check “%(field)s”.")


def FormText(label: str) -> Any:  # noqa: N802 - used where FastAPI's Form would be, and reads like it
    """A text field of an HTML form: at most FORM_TEXT_MAX characters, named by `label` (a message id, the
    form's own label) on the generic page. The field's real limit is its service's `TextField`."""
    return Form(max_length=FORM_TEXT_MAX, title=label)


# What a text may not start or end with (spaces of every kind: what Python's str.strip() takes off) and may not
# hold at all (control characters, C0 and C1), spelled out rather than `\s`, whose meaning differs between
# the regular expressions of JSON Schema (ECMA-262), Python and pydantic (Rust).
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_CONTROL_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass(frozen=True)
class TextField:
    """A text someone types: the form field's name, its label as the form shows it (a message id) and its
    limits. `too_long` and `too_short` are the field's own words when it needs them (a child's, say); they may
    use %(field)s, %(max)s and %(min)s. `loc` is where an error points when it is not the field's name."""

    name: str
    label: str
    max: int
    min: int = 0
    too_long: str = TOO_LONG
    too_short: str = ""
    loc: tuple[str, ...] = ()

    def pattern(self, *, multiline: bool = False, required: bool | None = None) -> str:
        """The regular expression the API holds this field's text to: no space around it (a form's is stripped
        by the service), no control characters (but line breaks and tabs in a `multiline` text), and at least one
        character when the field has a minimum or is `required`."""
        edge = f"[^{_CONTROL}{_SPACE}]"
        inside = f"[^{_CONTROL_BUT_LINES}]" if multiline else f"[^{_CONTROL}]"
        text = f"{edge}(?:{inside}*{edge})?"
        return f"^{text}$" if max(self.min, 1 if required else 0) else f"^(?:{text})?$"

    def api(self, *, multiline: bool = False, required: bool | None = None) -> Any:
        """The JSON API's type for this field: the same limits, stated in the OpenAPI schema (issue 13).
        `required`: at least one character even if the field's own minimum is 0 (a Chinese name, say)."""
        least = max(self.min, 1 if required else 0)
        return Annotated[str, StringConstraints(min_length=least, max_length=self.max,
                                                pattern=self.pattern(multiline=multiline, required=required))]

    def clean(
        self, value: str | None, *, error: type[InvalidInput] = InvalidInput, at: Sequence[str] = (), **label_variables: Any
    ) -> str:
        """The text without surrounding space, checked against the limits; never cut."""
        return self.check((value or "").strip(), error=error, at=at, **label_variables)

    def check(
        self, text: str, *, error: type[InvalidInput] = InvalidInput, at: Sequence[str] = (), **label_variables: Any
    ) -> str:
        """`text` exactly as given (a password keeps its spaces), checked against the limits. `at`: where the
        error points for this one text, when the form has several of the field (one per question)."""
        if len(text) > self.max:
            message, kind, msg = self.too_long, "string_too_long", f"at most {self.max} characters"
        elif len(text) < self.min:
            message = self.too_short or (REQUIRED if self.min == 1 else TOO_SHORT)
            kind, msg = "string_too_short", f"at least {self.min} characters"
        else:
            return text
        raise error(
            message,
            errors=[{"loc": list(at or self.loc or (self.name,)), "msg": msg, "type": kind}],
            field=gettext(self.label, **label_variables),
            max=self.max,
            min=self.min,
        )


class ApiIn(BaseModel):
    """Every body the JSON API takes (issue 13: the schema states what the server enforces): a field it does not
    know is refused rather than ignored, and nothing is coerced (a "5" is not 5, a 0 is not false). Enum fields
    say `Field(strict=False)`: their JSON form is a string; dates and times are `ApiDate` and `ApiInstant`."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        """JSON has numbers, not integers: 2008.0 is the integer 2008 (as JSON Schema's `integer` says), so a
        number with no fraction is taken as one; a string or a boolean is still not a number."""
        return _integral(data)


def _written(value: Any) -> Any:
    """A date or a moment arrives as the text its schema states (ISO 8601), never as a number: pydantic would
    read 0 as 1970-01-01, and the schema says a string (Schemathesis ST201)."""
    if isinstance(value, (int, float)):
        raise ValueError("a date or time is written as text, in ISO 8601")
    return value


# The JSON API's dates and moments (a moment with its time zone): text in ISO 8601, as the schema states.
ApiInstant = Annotated[AwareDatetime, BeforeValidator(_written), Field(strict=False)]
ApiDate = Annotated[dt.date, BeforeValidator(_written), Field(strict=False)]


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def locales(name: str, zh: TextField, en: TextField | None = None, *, required: bool = False, multiline: bool = False) -> Any:
    """A text written per locale as the API takes it, `{"zh_Hans": "…", "en": "…"}`: Chinese first (required
    when the field is), English optional, no other key. `name` names its schema."""
    english = en or zh
    fields = {
        "zh_Hans": (Required if required else NotRequired)[zh.api(multiline=multiline, required=required)],
        "en": NotRequired[english.api(multiline=multiline)],
    }
    texts = TypedDict(name, fields)  # type: ignore[operator]
    texts.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]
    return texts


def problems_in_words(request: Request, errors: Sequence[dict[str, Any]]) -> list[str]:
    """One sentence per refused field for the generic page, each naming the field by the label its route
    gave it (`FormText`), or by its name when it has none."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    labels: dict[str, str] = {}
    for param in [*getattr(dependant, "body_params", []), *getattr(dependant, "query_params", [])]:
        title = getattr(param.field_info, "title", None)
        if title:
            labels[param.alias] = title
    problems = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        name = loc[1] if len(loc) > 1 and loc[0] in ("body", "query", "header", "cookie") else (loc[-1] if loc else "")
        field = gettext(labels[name]) if name in labels else name.replace("_", " ")
        kind = error.get("type", "")
        if kind == "string_too_long":
            problems.append(gettext(TOO_LONG, field=field, max=(error.get("ctx") or {}).get("max_length", FORM_TEXT_MAX)))
        elif kind == "missing":
            problems.append(gettext(REQUIRED, field=field))
        else:
            problems.append(gettext(NOT_VALID, field=field))
    return problems
