"""Pure scoring toolkit (评审计分): rubrics, aggregation, agreement, ranking, confidence,
assignment and award routing."""

from ._errors import AssignmentImpossible, ScoringError

__all__ = ["AssignmentImpossible", "ScoringError"]
