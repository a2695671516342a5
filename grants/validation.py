"""The error services raise when input breaks a rule; routes show it next to the fields."""

from __future__ import annotations


class FormErrors(Exception):
    """Field errors (field name -> translated message); nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
