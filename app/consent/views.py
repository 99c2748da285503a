"""The guardian's pages: the consent letter staff print, then the guardian's own path on a phone (the
letter code, a one-time code, the notice and a decision per purpose, a receipt).

Guardian pages are public routes with their own session (cookie `yimi_guardian`, loaded app-wide by
`load_guardian` before the CSRF check, like the tablet's). They work without JavaScript."""

import io
import json
import re
from typing import Annotated

import segno
from fastapi import Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlmodel import col, select

from app.accounts.deps import RightsHandlerPage as RightsHandler
from app.accounts.deps import StaffPage as Staff
from app.consent import actions, files, guardians, rights
from app.consent import models as consent_models
from app.consent import service as consent
from app.consent.deps import GUARDIAN_COOKIE, SignedInGuardian
from app.consent.models import (
    CONSENT_STATUS_LABELS,
    RIGHTS_KIND_LABELS,
    Audience,
    ConsentStatus,
    DecidedBy,
    Decision,
    Guardian,
    NoticeVersion,
    Purpose,
    RightsKind,
    RightsStatus,
)
from app.core import guardian_home
from app.core.config import get_settings
from app.core.db import Id, SessionDep, utcnow
from app.core.errors import YimiError
from app.core.i18n import N_, get_locale, localised
from app.core.pdf import pdf_response
from app.core.ratelimit import client_address, hit
from app.core.routing import Router
from app.core.templating import NOTICES, redirect, render
from app.core.validation import FormText
from app.corps import service as corps
from app.corps.models import Child, Group

router = Router(include_in_schema=False)


NOTICES.update({"guardian_signed_out": N_("You are signed out. To come back, use a new code from a consent letter.")})

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})
_ANCHOR = re.compile(r"[ \t]*\{#[A-Za-z0-9_-]+\}[ \t]*$", re.MULTILINE)


def _markdown_html(text: str) -> Markup:
    return Markup(_markdown.render(_ANCHOR.sub("", text)))  # noqa: S704 - html is disabled in the renderer


def _qr_svg(url: str) -> Markup:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4, title=None)
    return Markup(out.getvalue().decode())  # noqa: S704 - made by segno from our own URL


def _page(request: Request, template: str, context: dict[str, object], error: YimiError | None = None) -> Response:
    extra = {"error": error.detail, "error_vars": error.variables} if error else {}
    return render(request, template, {**context, **extra}, status_code=error.status_code if error else 200)


# ---- the consent letter (staff) ------------------------------------------------------------------


@router.get("/corps/children/{child_id}/letter")
def letter(request: Request, child_id: Id, session: SessionDep, user: Staff) -> Response:
    child = corps.get_child(session=session, child_id=child_id, user=user)
    group = corps.get_group(session=session, group_id=child.group_id, user=user)
    facilitators = corps.facilitators_of(session=session, group=group) or [user]
    code = actions.issue_letter_code(session=session, actor=user, child=child)
    url = f"{str(request.base_url).rstrip('/')}/guardian?code={code}"
    return render(request, "consent/letter.html", {
        "child": child, "group": group, "facilitators": [f.display_name for f in facilitators],
        "code": code, "url": url, "qr": _qr_svg(url), "valid_days": guardians.LETTER_CODE_VALID.days,
    })


# ---- the guardian's path -------------------------------------------------------------------------


@router.get("/guardian")
def start(request: Request, session: SessionDep, code: str = "", expired: str = "") -> Response:
    """The letter's link carries its code: when it is valid the guardian goes straight to the next step (issue 18:
    a filled-in form still waited for a "继续" tap); otherwise the code form, with the code and what is wrong."""
    if code and not expired:
        hit("20/hour", "guardian-code", client_address(request))
        try:
            guardians.check_letter_code(session=session, code=code)
        except YimiError as exc:
            return _page(request, "consent/guardian_code.html", {"code": code[:20]}, exc)
        return render(request, "consent/guardian_contact.html",
                      {"code": guardians.normalise_letter_code(code), "contact": "", "contact_max": guardians.CONTACT_MAX})
    return render(request, "consent/guardian_code.html", {"code": code[:20], "expired": bool(expired)})


@router.post("/guardian/code")
def check_code(request: Request, session: SessionDep, code: Annotated[str, FormText(N_("Code from the letter"))] = "") -> Response:
    hit("20/hour", "guardian-code", client_address(request))
    try:
        guardians.check_letter_code(session=session, code=code)
    except YimiError as exc:
        return _page(request, "consent/guardian_code.html", {"code": code}, exc)
    return render(request, "consent/guardian_contact.html", {"code": guardians.normalise_letter_code(code), "contact": "", "contact_max": guardians.CONTACT_MAX})


@router.post("/guardian/contact")
def send_code(
    request: Request, session: SessionDep,
    code: Annotated[str, FormText(N_("Code from the letter"))] = "", contact: Annotated[str, FormText(N_("Mobile number or e-mail address"))] = "",
) -> Response:
    hit("20/hour", "guardian-otp", client_address(request))
    try:
        sent = actions.send_guardian_code(session=session, letter_code=code, raw_contact=contact, locale=get_locale())
    except (guardians.LetterCodeUnknown, guardians.LetterCodeUsed, guardians.LetterCodeExpired) as exc:
        return _page(request, "consent/guardian_code.html", {"code": code}, exc)
    except YimiError as exc:
        return _page(request, "consent/guardian_contact.html",
                     {"code": guardians.normalise_letter_code(code), "contact": contact, "contact_max": guardians.CONTACT_MAX}, exc)
    return render(request, "consent/guardian_verify.html", {"flow": sent.flow, "delivered": sent.delivered})


@router.post("/guardian/verify")
def verify(
    request: Request, session: SessionDep,
    flow: Annotated[str, FormText(N_("This page"))] = "", otp: Annotated[str, FormText(N_("6-digit code"))] = "",
) -> Response:
    hit("60/hour", "guardian-verify", client_address(request))
    try:
        found = guardians.get_flow(session=session, public_id=flow)
    except guardians.FlowUnknown as exc:
        return _page(request, "consent/guardian_code.html", {"code": ""}, exc)
    try:
        verified = actions.verify_guardian_code(session=session, flow=found, code=otp, locale=get_locale())
    except (guardians.LetterCodeUnknown, guardians.LetterCodeUsed, guardians.LetterCodeExpired) as exc:
        return _page(request, "consent/guardian_code.html", {"code": ""}, exc)
    except YimiError as exc:
        return _page(request, "consent/guardian_verify.html", {"flow": found, "delivered": True}, exc)
    response = redirect(f"/guardian/children/{verified.child.id}/consent")
    response.set_cookie(
        GUARDIAN_COOKIE, verified.token, httponly=True, samesite="lax", secure=get_settings().is_production, path="/guardian"
    )
    return response


@router.post("/guardian/signout")
def sign_out(request: Request, session: SessionDep, guardian: SignedInGuardian) -> Response:
    actions.sign_out_guardian(session=session, guardian_session=request.state.guardian_session)
    response = redirect("/guardian?done=guardian_signed_out")
    response.delete_cookie(GUARDIAN_COOKIE, path="/guardian")
    return response


@router.get("/guardian/children/{child_id}/notice")
def notice_page(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    """The full guardian notice of the current version, to read or print apart from the choices (issue 18)."""
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    version = guardians.current_notice(session=session)
    text = consent.notice_text(session=session, version=version, audience=Audience.GUARDIAN, locale=get_locale())
    return render(request, "consent/guardian_notice.html", {
        "child": child, "version": version, "notice_title": text.title if text else "",
        "notice_html": _markdown_html(text.body) if text else Markup(""),
    })


def _decision_page(request: Request, session: SessionDep, guardian: Guardian, child_id: Id, error: YimiError | None = None) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    context: dict[str, object] = {"child": child, "group": session.get(Group, child.group_id)}
    if consent.decides_for_themselves(child):
        return _page(request, "consent/guardian_teen.html", context, error)
    version = guardians.current_notice(session=session)
    locale = get_locale()
    text = consent.notice_text(session=session, version=version, audience=Audience.GUARDIAN, locale=locale)
    states = consent.states_of(session=session, child=child)
    purposes = files.load_purposes()
    context.update({
        "version": version,
        "notice_title": text.title if text else "",
        "notice_html": _markdown_html(text.body) if text else Markup(""),
        "purposes": [
            {
                "code": purpose.value,
                "definition": purposes[purpose.value],
                "copy": purposes[purpose.value].copy.get(Audience.GUARDIAN.value, {}).get(locale)
                or purposes[purpose.value].copy[Audience.GUARDIAN.value]["zh_Hans"],
                "state": states[purpose].status if states[purpose] else ConsentStatus.NONE.value,
            }
            for purpose in Purpose
        ],
        "status_labels": {status.value: label for status, label in CONSENT_STATUS_LABELS.items()},
        "form_token": guardians.new_form_token(),
        "chosen": {},
    })
    return _page(request, "consent/guardian_decide.html", context, error)


@router.get("/guardian/children/{child_id}/consent")
def decision_page(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    return _decision_page(request, session, guardian, child_id)


@router.post("/guardian/children/{child_id}/consent")
def decide(
    request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian,
    participate: Annotated[str, FormText(N_("Taking part"))] = "", quote: Annotated[str, FormText(N_("Quotes"))] = "",
    notify_guardian: Annotated[str, FormText(N_("Messages to you"))] = "", form_token: Annotated[str, FormText(N_("This page"))] = "",
) -> Response:
    choices = {Purpose.PARTICIPATE.value: participate, Purpose.QUOTE.value: quote, Purpose.NOTIFY_GUARDIAN.value: notify_guardian}
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    try:
        actions.guardian_decides(session=session, guardian=guardian, child=child, choices=choices, form_token=form_token)
    except consent.DecisionNotAllowed as exc:
        return _page(request, "consent/guardian_teen.html", {"child": child}, exc)
    except YimiError as exc:
        return _decision_page(request, session, guardian, child_id, exc)
    return redirect(f"/guardian/children/{child_id}/receipt/{form_token}")


@router.get("/guardian/children/{child_id}/receipt/{number}")
def receipt(request: Request, child_id: Id, number: str, session: SessionDep, guardian: SignedInGuardian) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    events = guardians.receipt(session=session, guardian=guardian, child=child, number=number)
    purposes = files.load_purposes()
    locale = get_locale()
    rows = [
        {
            "event": event,
            "heading": purposes[event.purpose].copy.get(Audience.GUARDIAN.value, {}).get(locale, purposes[event.purpose].copy[Audience.GUARDIAN.value]["zh_Hans"]).heading,
        }
        for event in events
    ]
    notice_version = session.get(NoticeVersion, events[0].notice_version_id) if events[0].notice_version_id else None
    return render(request, "consent/guardian_receipt.html", {
        "child": child, "number": number, "short_code": guardians.short_code(number), "rows": rows, "at": events[0].at,
        "notice_version": notice_version,
        "status_labels": {status.value: label for status, label in CONSENT_STATUS_LABELS.items()},
    })



# ---- the guardian's dashboard and rights (CON-07, DP-*) -------------------------------------------

NOTICES.update({
    "consent_withdrawn": N_("Withdrawn. From now on, Yimi does not use your child's data for this purpose."),
    "rights_request_sent": N_("Your request is sent. We will answer within 15 working days."),
    "rights_answered": N_("The answer is saved, and the guardian can read it on their page."),
})



def _labels() -> dict[str, object]:
    return {
        "status_labels": {status.value: label for status, label in CONSENT_STATUS_LABELS.items()},
        "decision_labels": {
            Decision.GRANTED.value: N_("Agreed"), Decision.REFUSED.value: N_("Not agreed"), Decision.WITHDRAWN.value: N_("Withdrawn"),
            Decision.EXPIRED.value: N_("Expired"), Decision.SUPERSEDED.value: N_("Needs a new decision"),
        },
        "decided_by_labels": {
            DecidedBy.GUARDIAN.value: N_("a guardian"), DecidedBy.SELF.value: N_("the young person"),
            DecidedBy.CHILD_ASSENT.value: N_("the child"), DecidedBy.SYSTEM.value: N_("Yimi (automatic)"),
        },
        "kind_labels": {kind.value: label for kind, label in RIGHTS_KIND_LABELS.items()},
        "purpose_headings": _purpose_headings(),
    }


def _purpose_headings() -> dict[str, str]:
    purposes = files.load_purposes()
    locale = get_locale()
    headings = {}
    for purpose in Purpose:
        copies = purposes[purpose.value].copy.get(Audience.GUARDIAN.value, {})
        copy = copies.get(locale) or copies.get("zh_Hans")
        headings[purpose.value] = copy.heading if copy else purpose.value
    return headings


@router.get("/guardian/home")
def home(request: Request, session: SessionDep, guardian: SignedInGuardian) -> Response:
    linked = guardians.children_of(session=session, guardian=guardian)
    children = [rights.child_view(session=session, guardian=guardian, child=child) for child in linked]
    settings = get_settings()
    # The sections domains above consent add (responses' "the city answered", app.core.guardian_home).
    provided: dict[str, object] = {}
    for section in guardian_home.sections():
        provided.update(section.provide(session, guardian, linked))
    # After a material change to the notice, the dashboard says what changed and asks for a new decision.
    version = consent.current_version(session=session)
    change = None
    if version is not None and version.material_change:
        change = {"version": version, "summary": localised(version.change_summary)}
    return render(request, "consent/guardian_home.html", {
        "children": children, "officer_name": settings.pi_officer_name, "officer_contact": settings.pi_officer_contact,
        "now": utcnow(), "change": change, **_labels(),
        "guardian_sections": [section.template for section in guardian_home.sections()], **provided,
    })


@router.post("/guardian/children/{child_id}/withdraw")
def withdraw(
    request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian,
    purpose: Annotated[str, FormText(N_("What to withdraw"))] = "",
    confirm: Annotated[str, FormText(N_("Withdraw"))] = "",
) -> Response:
    """Withdrawing asks once, saying what stops, what is deleted and how to agree again (issue 18: one tap
    withdrew by mistake), on one screen with two equal buttons: no harder than agreeing."""
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    if purpose not in {p.value for p in Purpose} or not rights.can_withdraw(session=session, child=child, purpose=Purpose(purpose)):
        raise rights.NothingToWithdraw()
    if confirm != "yes":
        return _page(request, "consent/guardian_withdraw.html", {
            "child": child, "purpose": purpose, "heading": _purpose_headings()[purpose],
        })
    actions.guardian_withdraws(session=session, guardian=guardian, child=child, purpose=Purpose(purpose))
    return redirect("/guardian/home?done=consent_withdrawn")


# The readable download (issue 18: the download was raw JSON only): the same data, each part under a heading.
EXPORT_LABELS: dict[str, str] = {
    "format": N_("Format"), "exported_at": N_("Downloaded at"), "consultations": N_("Consultations"),
    "answers": N_("Answers"), "comments": N_("Comments"), "participations": N_("Taking part"),
    "consent_states": N_("Each purpose now"), "consent_events": N_("History of the decisions"),
    "guardianships": N_("Guardians linked to the child"), "audit_events": N_("What was done with the data"),
    "rights_requests": N_("Your requests"), "messages_to_you": N_("Messages sent to you"), "child": N_("The child"),
    "purpose": N_("Purpose"), "status": N_("State"), "decision": N_("Decision"), "at": N_("When"),
    "created_at": N_("Created"), "updated_at": N_("Changed"), "text": N_("Words"), "channel": N_("Channel"),
    "action": N_("What"), "kind": N_("Kind"), "answer": N_("Answer"),
}


@router.get("/guardian/children/{child_id}/export")
def export_page(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    data = actions.export_child_data(session=session, guardian=guardian, child=child)
    return _no_store(render(request, "consent/guardian_export.html", {"child": child, "data": data, "labels": EXPORT_LABELS}))


@router.get("/guardian/children/{child_id}/export.pdf")
def export_pdf(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    """The readable page as a PDF to keep (issue 18), printed with the print stylesheet (no header or footer)."""
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    data = actions.export_child_data(session=session, guardian=guardian, child=child)
    page = render(request, "consent/guardian_export.html", {"child": child, "data": data, "labels": EXPORT_LABELS, "for_print": True})
    return pdf_response(bytes(page.body).decode(), f"yimi-child-{child.id}.pdf")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/guardian/children/{child_id}/export.json")
def export_json(child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    data = actions.export_child_data(session=session, guardian=guardian, child=child)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="yimi-child-{child.id}.json"', "Cache-Control": "no-store",
    })


def _rights_page(request: Request, session: SessionDep, guardian: Guardian, child_id: Id, error: YimiError | None = None,
                 kind: str = "", text: str = "") -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    return _page(request, "consent/guardian_rights.html", {
        "child": child, "requests": rights.requests_of(session=session, guardian=guardian, child=child),
        "kinds": list(RightsKind), "kind": kind, "text": text, "fields": consent_models.LIMITS, **_labels(),
    }, error)


@router.get("/guardian/children/{child_id}/rights")
def rights_page(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian, kind: str = "") -> Response:
    return _rights_page(request, session, guardian, child_id, kind=kind[:20])


@router.post("/guardian/children/{child_id}/rights")
def file_rights_request(
    request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian,
    kind: Annotated[str, FormText(N_("What would you like us to do?"))] = "", text: Annotated[str, FormText(consent_models.REQUEST_TEXT.label)] = "",
) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    try:
        actions.file_rights_request(session=session, guardian=guardian, child=child, kind=kind, text=text)
    except YimiError as exc:
        return _rights_page(request, session, guardian, child_id, exc, kind=kind, text=text)
    return redirect(f"/guardian/children/{child_id}/rights?done=rights_request_sent")


@router.get("/guardian/children/{child_id}/erase")
def erase_page(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    return render(request, "consent/guardian_erase.html", {
        "child": child, "preview": rights.erasure_preview(session=session, child=child), "categories": rights.erasure_categories(),
    })


@router.post("/guardian/children/{child_id}/erase")
def erase(request: Request, child_id: Id, session: SessionDep, guardian: SignedInGuardian) -> Response:
    child = guardians.linked_child(session=session, guardian=guardian, child_id=child_id)
    receipt = actions.erase_child(session=session, child=child, requested_by="guardian", actor=guardian)
    # A guardian with no other child is deleted with the child's data: their cookie goes too.
    response = redirect(f"/guardian/erased/{receipt.child_ref}")
    guardian_id = request.state.guardian_session.guardian_id
    if session.exec(select(Guardian.id).where(Guardian.id == guardian_id)).first() is None:
        response.delete_cookie(GUARDIAN_COOKIE, path="/guardian")
    return response


@router.get("/guardian/erased/{ref}")
def erased(request: Request, ref: str, session: SessionDep) -> Response:
    """The deletion receipt: counts and a date only, found by its random reference (never the child's id)."""
    receipt = rights.receipt_by_ref(session=session, ref=ref)
    return render(request, "consent/guardian_erased.html", {
        "receipt": receipt, "categories": rights.erasure_categories(),
        "signed_in": getattr(request.state, "guardian", None) is not None,
    })


# ---- staff: guardians' rights requests ------------------------------------------------------------


def _rights_admin(request: Request, session: SessionDep, error: YimiError | None = None, typed: tuple[int, str] | None = None) -> Response:
    """`typed`: the request whose answer was refused, and the answer, shown again in its form."""
    now = utcnow()
    open_requests = rights.staff_requests(session=session, status=RightsStatus.OPEN)
    children = {c.id: c for c in session.exec(select(Child).where(col(Child.id).in_({r.child_id for r in open_requests})))} if open_requests else {}
    return _page(request, "consent/admin_rights.html", {
        "open": [{"request": r, "child": children.get(r.child_id), "overdue": rights.is_overdue(r, now)} for r in open_requests],
        "answered": rights.staff_requests(session=session, status=RightsStatus.ANSWERED, limit=50),
        "fields": consent_models.LIMITS, "typed": typed,
        **_labels(),
    }, error)


@router.get("/admin/rights")
def rights_admin(request: Request, session: SessionDep, user: RightsHandler) -> Response:
    return _rights_admin(request, session)


@router.post("/admin/rights/{request_id}/answer")
def answer_rights_request(
    request: Request, request_id: Id, session: SessionDep, user: RightsHandler,
    answer: Annotated[str, FormText(consent_models.ANSWER.label)] = "",
) -> Response:
    try:
        actions.answer_rights_request(session=session, actor=user, request_id=request_id, answer=answer)
    except rights.AnswerMissing as exc:
        return _rights_admin(request, session, exc, typed=(request_id, answer))
    except rights.AlreadyAnswered as exc:
        return _rights_admin(request, session, exc)
    return redirect("/admin/rights?done=rights_answered")
