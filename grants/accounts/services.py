"""Accounts: creating users, changing and resetting passwords, preferences."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.auth import end_all_sessions, hash_password, password_problem, verify_password
from grants.organisations.models import Organisation
from grants.validation import FormErrors, column_problems, is_email
from grants.vocab import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")


def validate_username(session: Session, username: str, errors: dict[str, str]) -> str:
    from grants.i18n import gettext as _

    username = username.strip().lower()
    if not USERNAME.match(username):
        errors["username"] = _("3–64 characters: lower-case letters, digits, '.', '-' or '_'.")
    elif session.execute(select(User.id).where(User.username == username)).first():
        errors["username"] = _("This username is taken.")
    return username


def create_user(
    session: Session,
    actor: audit.Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    email: str = "",
    organisation: Organisation | None = None,
    is_owner: bool = False,
    must_change_password: bool = False,
    scope_region_id: int | None = None,
) -> User:
    """A new user; applicants and funders belong to an organisation."""
    from grants.i18n import gettext as _

    errors: dict[str, str] = {}
    username = validate_username(session, username, errors)
    if not role:
        errors["role"] = _("Choose a role.")
    elif role not in ROLES:
        errors["role"] = _("Not a valid choice.")
    if role in {"applicant", "funder"} and organisation is None:
        errors["organisation_id"] = _("Applicants and funders belong to an organisation.")
    problem = password_problem(password)
    if problem:
        errors["password"] = _(problem)
    if not display_name.strip():
        errors["display_name"] = _("This field is required.")
    if email.strip() and not is_email(email.strip()):
        errors["email"] = _("Enter a valid e-mail address.")
    for key, message in column_problems(User, {"display_name": display_name,
                                               "email": email}).items():
        errors.setdefault(key, message)
    if errors:
        raise FormErrors(errors)
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        organisation_id=organisation.id if organisation else None,
        is_org_owner=is_owner and organisation is not None,
        scope_region_id=scope_region_id if role == "organiser" else None,
    )
    session.add(user)
    audit.record(session, actor, "user.create", user)
    return user


def change_password(session: Session, actor: audit.Actor, user: User, current: str,
                    new: str, repeat: str) -> None:
    from grants.i18n import gettext as _

    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current"] = _("The current password is not right.")
    problem = password_problem(new)
    if problem:
        errors["new"] = _(problem)
    elif new != repeat:
        errors["repeat"] = _("The two new passwords differ.")
    elif new == current:
        errors["new"] = _("Choose a password different from the current one.")
    if errors:
        raise FormErrors(errors)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1  # other sessions end
    end_all_sessions(session, user)  # the route signs this browser in again
    audit.record(session, actor, "user.password_change", user,
                 after={"username": user.username, "session_version": user.session_version})


def reset_password(session: Session, actor: audit.Actor, user: User) -> str:
    """A one-time password the user must change at next login; all sessions end."""
    temporary = secrets.token_urlsafe(9) + "-7"
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_version += 1
    end_all_sessions(session, user)
    audit.record(session, actor, "user.password_reset", user,
                 after={"username": user.username, "must_change_password": True})
    return temporary


def set_active(session: Session, actor: audit.Actor, user: User, active: bool) -> None:
    before = audit.snapshot(user)
    user.is_active = active
    user.session_version += 1
    end_all_sessions(session, user)
    audit.record(session, actor, "user.activate" if active else "user.deactivate", user,
                 before=before)


def set_locale(session: Session, actor: audit.Actor, user: User, locale: str) -> None:
    if user.locale == locale:
        return
    before = {"locale": user.locale}
    user.locale = locale
    audit.record(session, actor, "user.locale", user, before=before, after={"locale": locale})


def organisation_of(session: Session, user: User | None) -> Organisation | None:
    """The organisation a user belongs to, if any."""
    if user is None or user.organisation_id is None:
        return None
    return session.get(Organisation, user.organisation_id)
