"""Exception types shared by the scoring package."""

from __future__ import annotations


class ScoringError(ValueError):
    """Raised when scoring input is invalid; the message names what is wrong."""


class AssignmentImpossible(ScoringError):
    """Raised when no judge assignment satisfies the constraints."""
