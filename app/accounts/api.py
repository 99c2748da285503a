"""JSON API for staff accounts: the same service calls as the pages, with bearer tokens."""


from fastapi import status

from app.accounts import actions, service
from app.accounts.deps import StaffApi as Me
from app.accounts.deps import UsersManagerApi as Admin
from app.accounts.models import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenPublic,
    DepartmentPublic,
    Role,
    RolesUpdate,
    StaffUser,
    StaffUserCreateBody,
    StaffUserPublic,
    StaffUserUpdate,
    TemporaryPassword,
    TrainingRecord,
)
from app.core.db import Id, SessionDep
from app.core.routing import Router

router = Router(prefix="/api/v1/accounts", tags=["accounts"])



@router.get("/me", response_model=StaffUserPublic, summary="The staff user this token belongs to")
def me(user: Me) -> StaffUser:
    return user


@router.get("/users", response_model=list[StaffUserPublic])
def list_users(session: SessionDep, admin: Admin, q: str | None = None, role: Role | None = None) -> list[StaffUser]:
    return service.get_all(session=session, search=q, role=role)


@router.post("/users", response_model=TemporaryPassword | StaffUserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: StaffUserCreateBody, session: SessionDep, admin: Admin) -> TemporaryPassword | StaffUser:
    user, temporary = actions.create(session=session, actor=admin, data=data)
    if temporary:
        return TemporaryPassword(user=StaffUserPublic.model_validate(user), temporary_password=temporary)
    return user


@router.get("/users/{user_id}", response_model=StaffUserPublic)
def get_user(user_id: Id, session: SessionDep, admin: Admin) -> StaffUser:
    return service.get(session=session, user_id=user_id)


@router.patch("/users/{user_id}", response_model=StaffUserPublic)
def update_user(user_id: Id, data: StaffUserUpdate, session: SessionDep, admin: Admin) -> StaffUser:
    user = service.get(session=session, user_id=user_id)
    return actions.update_user(session=session, actor=admin, user=user, display_name=data.display_name, is_active=data.is_active,
                               department_id=data.department_id, set_department="department_id" in data.model_fields_set)


@router.get("/departments", response_model=list[DepartmentPublic], summary="The departments (issue 16)")
def list_departments(session: SessionDep, admin: Admin) -> list:
    return service.departments(session=session)


@router.put("/users/{user_id}/roles", response_model=StaffUserPublic)
def set_roles(user_id: Id, data: RolesUpdate, session: SessionDep, admin: Admin) -> StaffUser:
    user = service.get(session=session, user_id=user_id)
    return actions.set_roles(session=session, actor=admin, user=user, roles=data.roles)


@router.post("/users/{user_id}/roles/{role}/training", response_model=StaffUserPublic, summary="Record training (PAR-10)")
def record_training(user_id: Id, role: Role, data: TrainingRecord, session: SessionDep, admin: Admin) -> StaffUser:
    user = service.get(session=session, user_id=user_id)
    actions.record_training(session=session, actor=admin, user=user, role=role, note=data.note)
    session.refresh(user)
    return user


@router.post("/users/{user_id}/password-reset", response_model=TemporaryPassword)
def reset_password(user_id: Id, session: SessionDep, admin: Admin) -> TemporaryPassword:
    user = service.get(session=session, user_id=user_id)
    temporary = actions.reset_password(session=session, actor=admin, user=user)
    return TemporaryPassword(user=StaffUserPublic.model_validate(user), temporary_password=temporary)


@router.post("/users/{user_id}/unlock", response_model=StaffUserPublic)
def unlock(user_id: Id, session: SessionDep, admin: Admin) -> StaffUser:
    return actions.unlock(session=session, actor=admin, user=service.get(session=session, user_id=user_id))


@router.post("/users/{user_id}/sign-out-everywhere", status_code=status.HTTP_204_NO_CONTENT)
def sign_out_everywhere(user_id: Id, session: SessionDep, admin: Admin) -> None:
    actions.sign_out_everywhere(session=session, actor=admin, user=service.get(session=session, user_id=user_id))


@router.get("/users/{user_id}/tokens", response_model=list[ApiTokenPublic])
def list_tokens(user_id: Id, session: SessionDep, admin: Admin) -> list:
    return service.tokens_of(session=session, user=service.get(session=session, user_id=user_id))


@router.post("/users/{user_id}/tokens", response_model=ApiTokenIssued, status_code=status.HTTP_201_CREATED)
def issue_token(user_id: Id, data: ApiTokenCreate, session: SessionDep, admin: Admin) -> ApiTokenIssued:
    user = service.get(session=session, user_id=user_id)
    token, raw = actions.issue_token(session=session, actor=admin, user=user, name=data.name, expires_in_days=data.expires_in_days)
    return ApiTokenIssued(**ApiTokenPublic.model_validate(token).model_dump(), token=raw)


@router.delete("/tokens/{token_id}", response_model=ApiTokenPublic)
def revoke_token(token_id: Id, session: SessionDep, admin: Admin) -> object:
    return actions.revoke_token(session=session, actor=admin, token=service.get_token(session=session, token_id=token_id))
