"""Labels for the codes stored on rounds and stages (codes are stored, labels translated)."""

from __future__ import annotations

from enum import StrEnum

from grants.i18n import N_
from grants.lifecycle import State


class RoundStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    JUDGING = "judging"
    DECIDED = "decided"
    RUNNING = "running"
    FINISHED = "finished"


# A round's states with their labels; the transitions are in grants/rounds/workflow.py.
ROUND_STATES = (
    State(RoundStatus.DRAFT, N_("Draft")),
    State(RoundStatus.OPEN, N_("Open for applications")),
    State(RoundStatus.CLOSED, N_("Applications closed")),
    State(RoundStatus.JUDGING, N_("Judging")),
    State(RoundStatus.DECIDED, N_("Decided")),
    State(RoundStatus.RUNNING, N_("Projects running")),
    State(RoundStatus.FINISHED, N_("Finished"), final=True),
)
STATUS_LABELS = {s.code: s.label for s in ROUND_STATES}

STAGE_KIND_LABELS = {
    "screening": N_("Eligibility screening"),
    "scoring": N_("Online scoring"),
    "roadshow": N_("Roadshow and defence"),
    "notice": N_("Public notice"),
    "approval": N_("Approval"),
}

# Stages whose judges score with a rubric.
SCORED_KINDS = ("scoring", "roadshow")

TRANCHE_CONDITION_LABELS = {
    "signing": N_("on signing the agreement"),
    "midterm_passed": N_("after passing the mid-term evaluation"),
    "final_accepted": N_("after final acceptance"),
}

AGGREGATION_LABELS = {
    "mean": N_("Mean of the judges' totals"),
    "median": N_("Median of the judges' totals"),
    "drop_high_low": N_("Mean after dropping the highest and lowest"),
    "zscore": N_("Standardised per judge (z-scores)"),
    "bias_model": N_("Adjusted for judge severity (bias model)"),
}

ADVANCEMENT_LABELS = {
    "top_n": N_("The top N applications advance"),
    "threshold": N_("Applications scoring at least the threshold advance"),
}

DEFAULT_LEVELS = ("优秀", "良好", "一般", "较差")
