"""People: who am I, users (administrators), and my API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.api.errors import ApiError
from atiende.api.ids import Id
from atiende.api.permissions import current_user, require_role
from atiende.people import services
from atiende.people.models import ApiToken, Role, User
from atiende.people.roles import ADMINS

router = Router(tags=["people"])


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    tier: int
    skills: list[str]
    extension: str
    is_active: bool

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.display_name


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: Role
    password: str = Field(min_length=1, max_length=128)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    tier: int = Field(1, ge=1, le=9)
    skills: list[str] = Field(default_factory=list, max_length=50)
    extension: str = Field("", max_length=40)


class TokenIn(Schema):
    name: str = Field("api", min_length=1, max_length=100)
    days: int = Field(365, ge=1, le=3650)


class TokenOut(Schema):
    id: int
    name: str
    kind: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The raw token. Shown once; only its hash is kept.")


@router.get("/me", response=UserOut, summary="The signed-in user")
def me(request: HttpRequest) -> User:
    return current_user(request)


@router.get("/users", response=list[UserOut], summary="All users (administrators)")
def list_users(request: HttpRequest, role: Role | None = None) -> list[User]:
    require_role(request, ADMINS)
    qs = User.objects.order_by("username")
    if role:
        qs = qs.filter(role=role)
    return list(qs)


@router.post("/users", response={201: UserOut}, summary="Create a user (administrators)")
def create_user(request: HttpRequest, payload: UserIn) -> Status[User]:
    require_role(request, ADMINS)
    user = services.add_user(
        username=payload.username, role=payload.role, password=payload.password,
        tier=payload.tier, skills=payload.skills, first_name=payload.first_name,
        last_name=payload.last_name, email=payload.email, extension=payload.extension,
    )
    return Status(201, user)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(current_user(request).tokens.all())


@router.post("/tokens", response={201: NewTokenOut}, summary="Create an API token for me")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, raw = ApiToken.issue(current_user(request), name=payload.name, days=payload.days)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    token = current_user(request).tokens.filter(pk=token_id).first()
    if token is None:
        raise ApiError(404, "not_found", _("No such token."))
    token.revoke()
    return Status(204, None)
