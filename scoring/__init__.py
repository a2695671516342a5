"""Pure scoring toolkit: rubrics, aggregation, agreement, ranking, confidence, assignment, routing."""

from ._errors import AssignmentImpossible, ScoringError

__all__ = ["ScoringError", "AssignmentImpossible"]
