"""Plain-language summaries of a round's eligibility and budget rules, as shown to applicants."""

from __future__ import annotations

from grants.i18n import gettext as _
from grants.i18n import join_list, ngettext
from grants.rounds.models import Round
from grants.vocab import CATEGORIES


def eligibility_sentences(round_: Round, community_names: dict[int, str]) -> list[str]:
    from grants.vocab import labels

    rules = round_.eligibility or {}
    out = []
    if rules.get("registered_only"):
        out.append(_("Only registered organisations (登记) may apply; filed ones (备案) may not."))
    else:
        out.append(_("Registered and filed community organisations may apply."))
    if rules.get("min_rating"):
        out.append(_("The organisation needs an assessment rating of %(rating)s or higher.",
                     rating=rules["min_rating"]))
    if rules.get("exclude_black_list"):
        out.append(_("Organisations on the black list (失信) may not apply."))
    if rules.get("categories"):
        out.append(_("Open to these categories: %(list)s.",
                     list=labels(CATEGORIES, rules["categories"])))
    if rules.get("community_ids"):
        out.append(_("Open to organisations in: %(list)s.", list=join_list(
            community_names.get(i, str(i)) for i in rules["community_ids"])))
    out.append(ngettext("Each organisation may submit at most %(num)s application.",
                        "Each organisation may submit at most %(num)s applications.",
                        round_.max_applications_per_org))
    return out


def budget_rule_sentences(round_: Round) -> list[str]:
    rules = round_.budget_rules or {}
    out = []
    if rules.get("admin_max_pct") is not None:
        out.append(_("Administrative costs at most %(pct)s %% of the amount requested.",
                     pct=rules["admin_max_pct"]))
    if rules.get("cofunding_min_pct") is not None:
        out.append(_("Co-funding (配套资金) at least %(pct)s %% of the amount requested.",
                     pct=rules["cofunding_min_pct"]))
    if rules.get("personnel_max_pct") is not None:
        out.append(_("Personnel costs at most %(pct)s %% of the amount requested.",
                     pct=rules["personnel_max_pct"]))
    return out or [_("No budget rules.")]
