"""How the audit page words a recorded change: a label per field, money in yuan, status codes by
their lifecycle labels and user ids by the user's name."""

from __future__ import annotations

import json
from typing import Any

from grants import lifecycle, vocab
from grants.applications.rules import CATEGORY_LABELS
from grants.calendar.services import KINDS as CALENDAR_KINDS
from grants.i18n import N_, join_list
from grants.i18n import gettext as _
from grants.money import format_yuan
from grants.reports.workflow import GRADES as REPORT_GRADES
from grants.reports.workflow import KINDS as REPORT_KINDS
from grants.rounds.choices import STAGE_KIND_LABELS

# The fields that occur in recorded changes, in words (others fall back to a humanised name).
FIELDS: dict[str, str] = {
    "activities_held": N_("Activities held"), "added_by_id": N_("Added by"),
    "address": N_("Address"), "advanced": N_("Advanced"), "agency": N_("Agency"),
    "agreement_id": N_("Agreement"), "amount_fen": N_("Amount"),
    "application_id": N_("Application"), "application_ids": N_("Applications"),
    "assignment_id": N_("Assignment"), "award_id": N_("Award"), "awards": N_("Awards"),
    "bank_reference": N_("Bank reference"), "beneficiaries": N_("Beneficiaries"),
    "budget_fen": N_("Budget"), "budget_rules": N_("Budget rules"), "by_id": N_("By"),
    "categories": N_("Categories"), "category": N_("Category"),
    "changed_reason": N_("Reason for the change"), "closes_at": N_("Closes at"),
    "code": N_("Code"), "cofunding_fen": N_("Co-funding"), "comments": N_("Comments"),
    "community_id": N_("Community"), "community_ids": N_("Communities"),
    "condition": N_("Condition"), "contact": N_("Contact"), "contact_person": N_("Contact person"),
    "contact_phone": N_("Contact phone"), "copied_from_id": N_("Copied from"),
    "counted": N_("Votes counted"), "counterparty": N_("Counterparty"),
    "created_by_id": N_("Created by"), "credit_code": N_("Unified social credit code"),
    "credit_status": N_("Credit status"), "current_version": N_("Version"),
    "decided_at": N_("Decided at"), "decided_by_id": N_("Decided by"),
    "deliverables": N_("Deliverables"), "description": N_("Description"),
    "display_name": N_("Display name"), "due_on": N_("Due date"), "edition": N_("Edition"),
    "eligibility": N_("Eligibility"), "email": N_("Email"), "ends_at": N_("Ends at"),
    "ends_on": N_("Ends on"), "evaluator_id": N_("Evaluator"), "final": N_("Final evaluation"),
    "founded_on": N_("Founded on"), "fund_id": N_("Fund"), "grade": N_("Grade"),
    "grant_max_fen": N_("Largest grant"), "grant_min_fen": N_("Smallest grant"),
    "granted_by_id": N_("Granted by"), "guidance": N_("Guidance"), "intro": N_("Introduction"),
    "is_active": N_("Active"), "is_org_owner": N_("Organisation owner"), "kind": N_("Kind"),
    "level": N_("Level"), "locale": N_("Language"), "manual": N_("Assigned by hand"),
    "max_points": N_("Maximum points"), "memo": N_("Memo"), "midterm": N_("Midterm evaluation"),
    "name": N_("Name"), "narrative": N_("Narrative"), "need_analysis": N_("Need analysis"),
    "note": N_("Note"), "notice_id": N_("Public notice"), "number": N_("Number"),
    "objectives": N_("Objectives"), "occurred_on": N_("Date"), "opens_at": N_("Opens at"),
    "organisation_id": N_("Organisation"), "outcome": N_("Outcome"),
    "overall_comment": N_("Overall comment"), "paid_fen": N_("Paid"), "paid_on": N_("Paid on"),
    "people_served": N_("People served"), "percent": N_("Percentage"), "period": N_("Period"),
    "phone": N_("Phone"), "planned_activities": N_("Planned activities"),
    "planned_people": N_("Planned people served"), "planned_volunteers": N_("Planned volunteers"),
    "points": N_("Points"), "position": N_("Position"), "reason": N_("Reason"),
    "recorded_by_id": N_("Recorded by"), "region_id": N_("Region"),
    "request_fen": N_("Amount requested"), "requested_by_id": N_("Requested by"),
    "resolved_by_id": N_("Resolved by"), "return_reason": N_("Reason for returning"),
    "returned_reason": N_("Reason for returning"), "role": N_("Role"), "round_id": N_("Round"),
    "score": N_("Score"), "scope_region_id": N_("Region of responsibility"),
    "signatories": N_("Signatories"), "signed_on": N_("Signed on"),
    "sought_fen": N_("Amount sought"), "spending": N_("Spending"), "spent_fen": N_("Spent"),
    "stage_id": N_("Stage"), "status": N_("Status"), "stopped_reason": N_("Reason for stopping"),
    "stories": N_("Stories"), "submitted_at": N_("Submitted at"), "summary": N_("Summary"),
    "target_groups": N_("Target groups"), "title": N_("Title"), "total": N_("Total"),
    "track_id": N_("Track"), "tranche_id": N_("Tranche"), "user_id": N_("User"),
    "username": N_("Username"), "verification": N_("Verification"),
    "verification_reason": N_("Reason"), "volunteer_hours": N_("Volunteer hours"),
    "volunteers": N_("Volunteers"), "withdrawn_reason": N_("Reason for withdrawing"),
    "write_off_reason": N_("Reason for writing off"), "year": N_("Year"),
    "passed": N_("Passed"), "which": N_("Report"),
    "planned": N_("Planned"), "reasons": N_("Reasons"), "reference": N_("Reference"),
    "ref_type": N_("Linked to"), "scores": N_("Scores"),
}
# Fields that hold the id of a user account (shown by the user's name).
USER_FIELDS = frozenset({"added_by_id", "by_id", "created_by_id", "decided_by_id",
                         "evaluator_id", "granted_by_id", "recorded_by_id", "requested_by_id",
                         "resolved_by_id", "user_id"})
# Tables whose lifecycle goes by another noun.
LIFECYCLE_NOUNS = {"stage_judging": "judging", "judge_assignment": "assignment",
                   "score_sheet": "sheet", "vote_setup": "vote"}


def label(field: str) -> str:
    """A field in words: its label, else its name humanised (request_fen -> Request)."""
    if field in FIELDS:
        return _(FIELDS[field])
    name = field.removesuffix("_fen").removesuffix("_id").replace("_", " ").strip()
    return name[:1].upper() + name[1:] if name else field


def lifecycle_of(object_type: str) -> lifecycle.Lifecycle | None:
    return lifecycle.LIFECYCLES.get(LIFECYCLE_NOUNS.get(object_type, object_type))


def user_ids(value: Any) -> set[int]:
    """The user ids a recorded value of a user field holds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    if isinstance(value, str) and value.isdigit():
        return {int(value)}
    return set()


def id_list(value: Any) -> list[int]:
    """The ids a recorded list of ids holds, in order."""
    if not isinstance(value, list):
        return []
    return [i for item in value for i in sorted(user_ids(item))]


# Fields holding codes of one vocabulary wherever they occur ("kind" and "category" name
# different vocabularies on different tables: TABLE_VOCABULARIES).
VOCABULARIES: dict[str, dict[str, str]] = {
    "role": vocab.ROLES, "registration": vocab.REGISTRATION_KINDS, "org_type": vocab.ORG_TYPES,
    "credit_status": vocab.CREDIT_STATUSES, "level": vocab.AWARD_LEVELS,
    "service_areas": vocab.SERVICE_AREAS, "target_groups": vocab.TARGET_GROUPS,
    "categories": vocab.CATEGORIES,
}


# (table, field) -> the vocabulary of its codes, for the fields whose vocabulary depends on
# the table.
TABLE_VOCABULARIES: dict[tuple[str, str], dict[str, str]] = {
    ("fund", "kind"): vocab.FUND_KINDS, ("fund_entry", "kind"): vocab.FUND_ENTRY_KINDS,
    ("stage", "kind"): STAGE_KIND_LABELS, ("report", "kind"): REPORT_KINDS,
    ("calendar_day", "kind"): CALENDAR_KINDS, ("budget_line", "category"): CATEGORY_LABELS,
    ("evaluation", "grade"): REPORT_GRADES, ("agreement", "which"): REPORT_KINDS,
    ("report", "which"): REPORT_KINDS, ("evaluation", "which"): REPORT_KINDS,
    ("fund_entry", "status"): {"approved": N_("Approved"), "pending": N_("Awaiting approval"),
                               "rejected": N_("Rejected")},
}


# Fields holding the id of another object, shown by its name (loaded once per page).
REFERENCES = {"round_id": "round", "copied_from_id": "round", "application_id": "application",
              "organisation_id": "organisation", "fund_id": "fund", "community_id": "region",
              "region_id": "region", "scope_region_id": "region", "parent_id": "region"}
# Fields holding a list of ids of one kind (an application's communities).
LIST_REFERENCES = {"community_ids": "region"}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def value(field: str, recorded: Any, *, status: lifecycle.Lifecycle | None = None,
          users: dict[int, str] | None = None, table: str = "",
          names: dict[tuple[str, int], str] | None = None) -> str:
    """A recorded value in words: yuan for fen, a state's label, a user's name, 是/否."""
    if recorded is None or recorded == "":
        return "—"
    if isinstance(recorded, bool):
        return _("Yes") if recorded else _("No")
    if field.endswith("_fen") and isinstance(recorded, int):
        return format_yuan(recorded)
    if status is not None and field == status.status_attr and isinstance(recorded, str):
        return status.label(recorded)
    vocabulary = VOCABULARIES.get(field) or TABLE_VOCABULARIES.get((table, field))
    if vocabulary is not None and isinstance(recorded, str):
        return vocab.label(vocabulary, recorded)
    if vocabulary is not None and isinstance(recorded, list) and all(
            isinstance(code, str) for code in recorded):
        return vocab.labels(vocabulary, recorded)
    if field in LIST_REFERENCES and names is not None and id_list(recorded):
        return join_list(names.get((LIST_REFERENCES[field], i), f"#{i}")
                         for i in id_list(recorded))
    if field in REFERENCES and names is not None:
        found = user_ids(recorded)  # an id, as a number or digits
        if found:
            object_id = found.pop()
            return names.get((REFERENCES[field], object_id), f"#{object_id}")
    if field in USER_FIELDS and users is not None:
        found = user_ids(recorded)
        if found:
            user_id = found.pop()
            return users.get(user_id, f"#{user_id}")
    return _short(recorded)
