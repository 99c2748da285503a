"""The permission matrix: the one place that decides what each staff role may do (SEC-02, PAR-10).

Every staff route declares one permission through `deps.staff(...)` (pages) or `deps.api_staff(...)`
(JSON API); tests walk the routes and check every role against this matrix.
"""

from enum import StrEnum
from typing import Protocol

from app.accounts.models import TRAINING_REQUIRED, Role, StaffUser
from app.core.errors import Forbidden
from app.core.i18n import N_


class Permission(StrEnum):
    STAFF_AREA = "staff.area"  # the staff home and one's own account
    USERS_MANAGE = "users.manage"  # create users, roles, training records, resets, deactivation, API tokens
    AUDIT_READ = "audit.read"  # read and verify the audit log
    OUTBOX_READ = "notifications.outbox"  # the notifier's outbox (message texts only outside production)
    # Declared with the roles they belong to; their routes arrive with their domains.
    CORPS_ADMIN = "corps.admin"  # districts, groups, facilitator assignments
    CORPS_FACILITATE = "corps.facilitate"  # own groups: enrol children, open tablet sessions
    IDENTITY_READ = "corps.identity"  # a child's real identity, each read logged with a reason (SEC-02)
    CONSULTATIONS_MANAGE = "consultations.manage"
    MODERATE = "moderation.decide"
    SAFEGUARD = "safeguarding.act"
    # Read safeguarding cases and the re-identification log, never act on them (administrators, SG-03).
    SAFEGUARDING_OVERSEE = "safeguarding.oversee"
    INSIGHTS_READ = "insights.read"
    RIGHTS_HANDLE = "consent.rights"  # guardians' rights requests: read and answer them with reasons
    # The dates promised to children for a response, and which are overdue (PAR-09, issue 17): officials, who
    # respond, and administrators, to whom an overdue response is escalated.
    RESPONSES_FOLLOW = "responses.follow"


# Every active staff account, with or without a role (a newcomer must reach their account and see that
# their role waits for training).
BASE: frozenset[Permission] = frozenset({Permission.STAFF_AREA})

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {Permission.USERS_MANAGE, Permission.AUDIT_READ, Permission.OUTBOX_READ, Permission.CORPS_ADMIN, Permission.IDENTITY_READ,
         Permission.RIGHTS_HANDLE, Permission.SAFEGUARDING_OVERSEE, Permission.RESPONSES_FOLLOW}
    ),
    Role.OFFICIAL: frozenset({Permission.CONSULTATIONS_MANAGE, Permission.INSIGHTS_READ, Permission.RESPONSES_FOLLOW}),
    Role.MODERATOR: frozenset({Permission.MODERATE}),
    Role.SAFEGUARDING_OFFICER: frozenset({Permission.SAFEGUARD, Permission.SAFEGUARDING_OVERSEE, Permission.IDENTITY_READ}),
    Role.FACILITATOR: frozenset({Permission.CORPS_FACILITATE}),
    Role.ANALYST: frozenset({Permission.INSIGHTS_READ}),
}

PERMISSION_LABELS: dict[Permission, str] = {
    Permission.STAFF_AREA: N_("Use the staff area and your own account"),
    Permission.USERS_MANAGE: N_("Manage staff accounts, roles, training records and API tokens"),
    Permission.AUDIT_READ: N_("Read and verify the audit log"),
    Permission.OUTBOX_READ: N_("Read the outbox of e-mails and text messages"),
    Permission.CORPS_ADMIN: N_("Manage districts, groups and facilitators"),
    Permission.CORPS_FACILITATE: N_("Enrol children and open tablet sessions for your groups"),
    Permission.IDENTITY_READ: N_("Read a child's real identity, with a recorded reason"),
    Permission.CONSULTATIONS_MANAGE: N_("Run consultations and publish responses"),
    Permission.MODERATE: N_("Moderate children's comments"),
    Permission.SAFEGUARD: N_("Act on safeguarding concerns"),
    Permission.SAFEGUARDING_OVERSEE: N_("Read safeguarding cases and who re-identified a child"),
    Permission.INSIGHTS_READ: N_("Read results and insights"),
    Permission.RIGHTS_HANDLE: N_("Answer guardians' requests about their children's data"),
    Permission.RESPONSES_FOLLOW: N_("Follow the dates promised to children for a response"),
}


def effective_roles(user: StaffUser) -> set[Role]:
    """Roles the user can act in now: assigned, account active, and trained where training is required."""
    if not user.is_active:
        return set()
    return {Role(r.role) for r in user.roles if not (Role(r.role) in TRAINING_REQUIRED and r.trained_at is None)}


def permissions_of(user: StaffUser) -> set[Permission]:
    if not user.is_active:
        return set()
    granted: set[Permission] = set(BASE)
    for role in effective_roles(user):
        granted |= MATRIX[role]
    return granted


def can(user: StaffUser, permission: Permission) -> bool:
    return permission in permissions_of(user)


def check(user: StaffUser, permission: Permission) -> None:
    if can(user, permission):
        return
    waiting = [r for r in user.roles if r.needs_training and permission in MATRIX[Role(r.role)]]
    if waiting:
        raise Forbidden(
            N_("This role cannot act until an administrator has recorded your training. Please ask them."),
        )
    raise Forbidden()


class HasDepartment(Protocol):
    department_id: int | None


def works_on(user: StaffUser, consultation: HasDepartment) -> bool:
    """Issue 16, "Permissions and safety": analysts and officials of the consultation's department read and work
    on its analysis and response. THE rule: administrators, city-wide staff (no department), a consultation of
    no department, or the same department. Applied to every insights and responses route that names a
    consultation by `app.consultations.deps.worked_on_page` / `worked_on_api`; anyone else gets a 404."""
    if Role.ADMIN in effective_roles(user):
        return True
    return user.department_id is None or consultation.department_id is None or user.department_id == consultation.department_id
