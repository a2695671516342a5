"""Controlled vocabularies: stored codes and their translatable labels.

Codes are stored; labels are shown through gettext where they are rendered.
"""

from __future__ import annotations

from grants.i18n import N_, gettext, join_list

ROLES = {
    "organiser": N_("Organiser"),
    "applicant": N_("Applicant"),
    "judge": N_("Judge"),
    "finance": N_("Finance"),
    "funder": N_("Funder"),
    "evaluator": N_("Evaluator"),  # e.g. a third-party evaluation agency: rights per round
}

REGION_LEVELS = {
    "district": N_("District"),
    "street": N_("Street"),
    "community": N_("Community"),
}

REGISTRATION_KINDS = {
    "registered": N_("Registered"),
    "filed": N_("Filed"),
}

ORG_TYPES = {
    "social_group": N_("Social group"),
    "private_non_enterprise": N_("Private non-enterprise unit"),
    "foundation": N_("Foundation"),
    "community_filed": N_("Filed community social organisation"),
    "enterprise": N_("Enterprise"),
}

CATEGORIES = {
    "charity": N_("Public welfare and charity"),
    "life_service": N_("Life services"),
    "community_affairs": N_("Community affairs"),
    "culture_sports": N_("Culture and sports"),
}

SERVICE_AREAS = {
    "elderly": N_("Elderly care"),
    "youth": N_("Children and youth"),
    "governance": N_("Community governance"),
    "mental_health": N_("Mental health"),
    "disability": N_("Disability support"),
    "culture": N_("Culture and sports"),
    "environment": N_("Environment"),
    "poverty": N_("Help for families in difficulty"),
}

TARGET_GROUPS = {
    "elderly": N_("Older people"),
    "children": N_("Children and young people"),
    "disabled": N_("People with disabilities"),
    "women": N_("Women and families"),
    "migrants": N_("Migrant workers"),
    "low_income": N_("Families in difficulty"),
    "residents": N_("All residents"),
    "veterans": N_("Veterans"),
}

AWARD_LEVELS = {
    "first": N_("First prize"),
    "second": N_("Second prize"),
    "third": N_("Third prize"),
    "excellence": N_("Excellence award"),
}

RATINGS = {"1A": "1A", "2A": "2A", "3A": "3A", "4A": "4A", "5A": "5A"}

PARTY_BRANCHES = {
    "independent": N_("Independent branch"),
    "joint": N_("Joint branch"),
    "none": N_("No branch"),
}

CREDIT_STATUSES = {
    "normal": N_("Normal"),
    "red": N_("Red list (commended)"),
    "black": N_("Black list (dishonest)"),
}

FUND_KINDS = {
    "fiscal": N_("Fiscal special fund"),
    "community_foundation": N_("Community foundation grant"),
    "named_fund": N_("Named fund"),
    "corporate": N_("Corporate donation"),
    "livelihood": N_("Livelihood micro-projects"),
}

FUND_ENTRY_KINDS = {
    "contribution": N_("Contribution"),
    "commitment": N_("Commitment"),
    "release": N_("Released commitment"),
    "disbursement": N_("Disbursement"),
    "adjustment_in": N_("Adjustment in"),
    "adjustment_out": N_("Adjustment out"),
    "refund": N_("Refund"),
}


def label(vocabulary: dict[str, str], code: str | None) -> str:
    """The translated label of a code, or the code itself when unknown."""
    if code is None or code == "":
        return ""
    return gettext(vocabulary[code]) if code in vocabulary else code


def labels(vocabulary: dict[str, str], codes: list[str] | None) -> str:
    return join_list(label(vocabulary, c) for c in codes or [])


def rating_at_least(rating: str | None, minimum: str) -> bool:
    """'4A' >= '3A'; no rating meets no minimum."""
    if not rating or rating not in RATINGS:
        return False
    return int(rating[0]) >= int(minimum[0])
