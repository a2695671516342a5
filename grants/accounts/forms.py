"""Reading the account forms: logging in, changing a password, and the organiser's user
management."""

from __future__ import annotations

from grants.forms import Flag, Form, Id, Raw, Text


class LoginForm(Form):
    username = Raw()
    password = Raw()
    next = Raw()

    @property
    def login_name(self) -> str:
        """Login names are kept in lower case."""
        return self.username.strip().lower()[:64]

    @property
    def secret(self) -> str:
        return self.password[:256]


class PasswordForm(Form):
    current = Raw()
    new = Raw()
    repeat = Raw()


class NewUserForm(Form):
    """An account an organiser creates (the service checks the login name, the role and the
    password's rules)."""

    username = Raw()
    display_name = Text(max_length=80)
    email = Text(max_length=254)
    role = Raw()
    password = Raw()
    organisation_id = Id()
    scope_region_id = Id()
    is_owner = Flag()

    @property
    def shown(self) -> dict[str, str]:
        """What to show again beside the errors (never the password)."""
        return {k: v for k, v in self.submitted.items() if k != "password"}


class ActiveForm(Form):
    """Activate ("1") or deactivate an account."""

    active = Flag()
