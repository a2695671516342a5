"""Reading the account forms: logging in, changing a password, and the organiser's user
management."""

from __future__ import annotations

from grants.forms import Flag, Form, Id, Raw, Text


class LoginForm(Form):
    username = Raw()
    password = Raw(secret=True)
    next = Raw()

    @property
    def login_name(self) -> str:
        """Login names are kept in lower case."""
        return self.username.strip().lower()[:64]

    @property
    def secret(self) -> str:
        return self.password[:256]


class PasswordForm(Form):
    current = Raw(secret=True)
    new = Raw(secret=True)
    repeat = Raw(secret=True)


class NewUserForm(Form):
    """An account an organiser creates (the service checks the login name, the role and the
    password's rules)."""

    username = Raw()
    display_name = Text(max_length=80)
    email = Text(max_length=254)
    role = Raw()
    password = Raw(secret=True)
    organisation_id = Id()
    scope_region_id = Id()
    is_owner = Flag()


class ActiveForm(Form):
    """Activate ("1") or deactivate an account."""

    active = Flag()
