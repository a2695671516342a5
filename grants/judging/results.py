"""Results of a closed stage, computed through `scoring/` (never re-implemented here).

`compute(session, stage)` returns a JSON-ready snapshot stored on `StageJudging.results`:
applications (score, rank, display rank, probability of passing the line, flips), tie-break
evidence, judge calibration and agreement.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from grants.accounts.models import User
from grants.i18n import gettext as _
from grants.judging import services
from grants.judging.models import ScoreSheet
from grants.rounds.models import Stage
from grants.rounds.rubrics import criteria_of
from scoring import aggregate, agreement, confidence, rank
from scoring.rubric import totals as rubric_totals

METHODS = ("mean", "median", "drop_high_low", "zscore", "bias_model")


def matrix(session: Session, stage: Stage) -> tuple[list[int], list[int], np.ndarray, np.ndarray]:
    """(application ids, judge user ids, totals[apps, judges], points[apps, judges, criteria])
    from submitted sheets; NaN where a judge has no submitted sheet."""
    app_ids = services.stage_application_ids(session, stage)
    sheets = list(session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.status == "submitted")
        .order_by(ScoreSheet.user_id)).scalars())
    judge_ids = sorted({s.user_id for s in sheets})
    criteria = criteria_of(session, stage)
    a_index = {a: i for i, a in enumerate(app_ids)}
    j_index = {j: i for i, j in enumerate(judge_ids)}
    points = np.full((len(app_ids), len(judge_ids), len(criteria)), np.nan)
    for s in sheets:
        if s.application_id in a_index:
            for c_i, c in enumerate(criteria):
                points[a_index[s.application_id], j_index[s.user_id], c_i] = float(
                    s.points.get(c.key, np.nan))
    maxima = [float(c.max_points) for c in criteria]
    totals = (rubric_totals(points, maxima, keys=[c.key for c in criteria])
              if criteria and judge_ids and app_ids else np.full((len(app_ids), len(judge_ids)),
                                                                  np.nan))
    return app_ids, judge_ids, np.asarray(totals, dtype=float), points


def aggregate_by(method: str, totals: np.ndarray) -> np.ndarray:
    if method == "median":
        return aggregate.median(totals)
    if method == "drop_high_low":
        return aggregate.drop_high_low(totals)
    if method == "zscore":
        return aggregate.zscore_mean(totals)
    if method == "bias_model":
        return aggregate.bias_model(totals).quality
    return aggregate.mean(totals)


def min_sheets(stage: Stage) -> int:
    """The stage's minimum of submitted sheets per application (at least 1)."""
    return int(stage.config.get("min_sheets", 1) or 1)


def _num(x: Any) -> float | None:
    value = float(x)
    return None if math.isnan(value) or math.isinf(value) else value


def _rankable(totals: np.ndarray, minimum: int) -> np.ndarray:
    """The rows (applications) with at least the stage's minimum of submitted sheets."""
    return np.flatnonzero(np.sum(~np.isnan(totals), axis=1) >= minimum)


def _spread(values: Any, rows: np.ndarray, n: int, missing: Any = None) -> list[Any]:
    """Values computed for `rows` only, put back in place among all n applications."""
    out: list[Any] = [missing] * n
    for value, row in zip(values, rows, strict=True):
        out[int(row)] = value if isinstance(value, bool | np.bool_) else _num(value)
    return out


def rule_words(adv: dict[str, Any]) -> str:
    """The advancement rule in words, in the reader's language."""
    value = adv.get("value", 0) or 0
    if adv.get("rule") == "threshold":
        return _("score at least %(v)s", v=value)
    return _("top %(n)s", n=int(value))


def _rule(stage: Stage, scores: np.ndarray) -> tuple[int, str]:
    """How many pass the line, and the rule in words."""
    adv = stage.config.get("advancement", {}) or {}
    value = adv.get("value", 0) or 0
    if adv.get("rule") == "threshold":
        n = int(np.sum(np.nan_to_num(scores, nan=-np.inf) >= float(value)))
        return n, rule_words(adv)
    return min(int(value), len(scores)), rule_words(adv)


def worded(results: dict[str, Any], stage: Stage) -> dict[str, Any]:
    """Stored results with their sentences in the reader's language (a snapshot keeps the
    words of whoever closed the stage; the codes and numbers it keeps are worded again)."""
    if not results:
        return results
    adv = results.get("advancement") or stage.config.get("advancement", {}) or {}
    return {**results, "rule": rule_words(adv),
            "agreement_words": plain_agreement(results.get("alpha"))}


def plain_agreement(alpha: float | None) -> str:
    if alpha is None:
        return _("Not enough overlapping scores to measure agreement.")
    if alpha >= 0.8:
        return _("The judges agree strongly.")
    if alpha >= 0.667:
        return _("The judges agree moderately; results are usable with care.")
    if alpha >= 0.4:
        return _("The judges agree only weakly; look at the applications where they differ.")
    return _("The judges barely agree; consider a discussion or more judges.")


def _composition(session: Session, stage: Stage, app_ids: list[int], judge_ids: list[int],
                 totals: np.ndarray) -> dict[str, Any] | None:
    """The stage's score composition applied (None when experts alone decide): each panel's
    columns, the bonus points per application and the parts for the breakdown."""
    from grants.applications.models import Application
    from grants.judging.models import BonusGrant, PanelMember
    from scoring.compose import bonus_from_table

    composition = stage.config.get("composition") or {}
    if not composition:
        return None
    public_ids = set(session.execute(select(PanelMember.user_id).where(
        PanelMember.round_id == stage.round_id, PanelMember.public.is_(True))).scalars())
    experts = [j for j, uid in enumerate(judge_ids) if uid not in public_ids]
    public = [j for j, uid in enumerate(judge_ids) if uid in public_ids]
    money = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(
        select(Application.id, Application.request_fen, Application.cofunding_fen).where(
            Application.id.in_(app_ids or [-1]))).all()}
    share = np.array([100.0 * money[a][1] / (money[a][0] + money[a][1])
                      if a in money and money[a][0] + money[a][1] > 0 else 0.0
                      for a in app_ids])
    table = [tuple(row) for row in composition.get("funding_table") or []]
    funding = (bonus_from_table(share, table, float(composition.get("funding_cap") or 0))
               if table else np.zeros(len(app_ids)))
    cap = float(composition.get("special_cap") or 0)
    granted = {g.application_id: float(min(g.points, cap)) for g in session.execute(
        select(BonusGrant).where(BonusGrant.stage_id == stage.id)).scalars()}
    special = np.array([granted.get(a, 0.0) for a in app_ids])
    # The round's public vote, when it is a weighted part of the score: each application's
    # counted votes as a share of the most any application of the stage received (0–100).
    from grants.votes.models import VoteSetup
    from grants.votes.services import vote_counts

    setup = session.execute(select(VoteSetup).where(
        VoteSetup.round_id == stage.round_id)).scalars().first()
    vote_weight = (setup.weight_pct / 100.0 if setup is not None and setup.use == "score"
                   and setup.weight_pct else 0.0)
    votes = np.zeros(len(app_ids))
    if vote_weight:
        counts = vote_counts(session, stage.round_id)
        raw = np.array([float(counts.get(a, 0)) for a in app_ids])
        votes = 100.0 * raw / raw.max() if raw.size and raw.max() > 0 else raw
    return {"weight": float(composition.get("public_weight") or 0) / 100.0,
            "expert": totals[:, experts], "public": totals[:, public],
            "funding": funding, "special": special, "share": share,
            "vote_weight": vote_weight, "votes": votes}


def _why_no_probability(n_pass: int, ranked: int) -> str:
    """Why no probability of passing is computed: "all_pass" (the line takes every ranked
    application), "no_line" (it takes none), or "" (it is computed)."""
    if ranked and n_pass >= ranked:
        return "all_pass"
    if ranked and n_pass <= 0:
        return "no_line"
    return ""


def live_scores(session: Session, stage: Stage) -> tuple[list[int], np.ndarray, bool]:
    """(application ids, score, composed?) by the same rule as the results: the stage's
    method, and, when the stage composes its score, the panels weighted with the bonus points
    added; without the bootstrap (for the live pages, asked every few seconds)."""
    app_ids, judge_ids, totals, _points = matrix(session, stage)
    method = str(stage.config.get("aggregation", "mean"))
    if not app_ids or not judge_ids:
        return app_ids, np.array([]), False
    parts = _composition(session, stage, app_ids, judge_ids, totals)
    if parts is None:
        return app_ids, aggregate_by(method if method != "bias_model" else "mean", totals), False
    return app_ids, _composed(parts, _panel_method(method))[0].final, True


def _panel_method(method: str) -> str:
    """The method each panel of a composed score is aggregated by: the stage's, or the mean
    for the per-judge methods, which cannot be computed panel by panel."""
    return method if method in ("mean", "median", "drop_high_low") else "mean"


def _composed(parts: dict[str, Any], method: str) -> tuple[Any, np.ndarray]:
    """The composed score (scoring.compose) of a stage's parts, and the fixed bonus in it:
    筹资加分, 特别加分 and the public vote's weighted share."""
    from scoring.compose import compose

    bonus = parts["funding"] + parts["special"] + parts["vote_weight"] * parts["votes"]
    return compose(parts["expert"], parts["public"], bonus, parts["weight"], method,
                   1.0 - parts["vote_weight"]), bonus


def compute(session: Session, stage: Stage, seed: int = 0) -> dict[str, Any]:
    app_ids, judge_ids, totals, _points = matrix(session, stage)
    method = str(stage.config.get("aggregation", "mean"))
    out: dict[str, Any] = {"method": method, "applications": [], "judges": [], "ties": [],
                           "seed": seed}
    if not app_ids or not judge_ids:
        return out
    composed = _composition(session, stage, app_ids, judge_ids, totals)
    if composed is not None:
        return _compute_composed(session, stage, app_ids, judge_ids, totals, composed, out)
    scores = aggregate_by(method, totals)
    ranking = rank.rank(scores, seed=seed)
    keep = _rankable(totals, min_sheets(stage))
    n_pass, rule = _rule(stage, scores[keep])
    out["rule"] = rule
    out["advancement"] = dict(stage.config.get("advancement", {}) or {})
    out["n_pass"] = n_pass
    probability: list[float | None] = [None] * len(app_ids)
    flips: set[int] = set()
    per_method: dict[str, list[float | None]] = {}
    out["no_probability"] = _why_no_probability(n_pass, len(keep))
    if 0 < n_pass < len(keep):
        # Only the applications with enough sheets compete for the line (see _finish).
        boot_method = method if method in ("mean", "median", "drop_high_low") else "mean"
        fp = confidence.funding_probability(totals[keep], confidence.TopN(n_pass),
                                            n_resamples=1000, seed=seed, aggregate=boot_method)
        probability = _spread(fp.probability, keep, len(app_ids))
        out["bootstrap_method"] = boot_method
        sens = confidence.sensitivity(totals[keep], confidence.TopN(n_pass))
        flips = {int(keep[i]) for i in sens.flips}
        out["sensitivity"] = {m: [bool(d) for d in _spread(sens.decisions[m], keep,
                                                           len(app_ids), False)]
                              for m in sens.decisions}
        per_method = {m: _spread(sens.scores[m], keep, len(app_ids)) for m in sens.scores}
    return _finish(session, out, app_ids, judge_ids, totals, scores, ranking, n_pass,
                   probability, flips, per_method, minimum=min_sheets(stage))


def _finish(session: Session, out: dict[str, Any], app_ids: list[int], judge_ids: list[int],
            totals: np.ndarray, scores: np.ndarray, ranking: Any, n_pass: int,
            probability: list[float | None], flips: set[int],
            per_method: dict[str, list[float | None]],
            parts: list[dict[str, Any]] | None = None, minimum: int = 1) -> dict[str, Any]:
    """One row per application (with its composed parts, if any), the tie-break evidence,
    the judges' calibration and their agreement. An application with fewer submitted sheets
    than the stage's minimum (only while the stage is open: closing is refused then) is
    marked `short`: it has no probability of passing and does not take a place on the line."""
    counts = np.sum(~np.isnan(totals), axis=1)
    short = {i for i in range(len(app_ids)) if counts[i] < minimum}
    passing = [int(i) for i in ranking.order if int(i) not in short][:n_pass]
    out["min_sheets"] = minimum
    # The rank shown counts the ranked applications only (one not ranked yet for lack of
    # sheets leaves no gap), equal scores sharing a rank and marked tied; the order between
    # them, and so who passes, follows the tie-break chain (recorded in "ties").
    rounded = np.round(scores, 6)
    ranked = np.array([i for i in range(len(app_ids))
                       if i not in short and not np.isnan(rounded[i])], dtype=np.int64)
    ascending = np.sort(rounded[ranked])
    # 1 + how many ranked applications scored strictly higher; tied when another has the same
    above = len(ranked) - np.searchsorted(ascending, rounded[ranked], side="right")
    same = (np.searchsorted(ascending, rounded[ranked], side="right")
            - np.searchsorted(ascending, rounded[ranked], side="left"))
    shown = {int(i): int(a) + 1 for i, a in zip(ranked, above, strict=True)}
    tied = {int(i) for i, n in zip(ranked, same, strict=True) if n > 1}
    for i, app_id in enumerate(app_ids):
        row = {"id": app_id, "score": _num(scores[i]), "position": int(ranking.position[i]),
               "display_rank": shown.get(i, int(ranking.display_rank[i])), "tied": i in tied,
               "n_sheets": int(counts[i]), "passes": i in passing, "short": i in short,
               "probability": None if i in short else probability[i], "flips": i in flips,
               "by_method": {m: per_method[m][i] for m in per_method}}
        if parts is not None:
            row["parts"] = parts[i]
        out["applications"].append(row)
    _ties(out, ranking, app_ids)
    _judges_and_agreement(session, judge_ids, totals, out)
    return out


def _ties(out: dict[str, Any], ranking: Any, app_ids: list[int]) -> None:
    """The tie-break evidence: which applications tied and what separated them."""
    for tie in ranking.ties:
        out["ties"].append({"total": _num(tie.total),
                            "applications": [app_ids[i] for i in tie.applications],
                            "separated_by": list(tie.separated_by), "seed": tie.seed})


def _judges_and_agreement(session: Session, judge_ids: list[int], totals: np.ndarray,
                          out: dict[str, Any]) -> None:
    stats = confidence.judge_report(totals)
    names = {u.id: u.display_name for u in session.execute(select(User).where(
        User.id.in_(judge_ids))).scalars()}
    for j, uid in enumerate(judge_ids):
        out["judges"].append({"id": uid, "name": names.get(uid, str(uid)),
                              "sheets": int(stats.n_sheets[j]),
                              "severity": _num(stats.severity[j]),
                              "spread": _num(stats.spread[j]), "flags": stats.flags[j]})
    try:
        alpha = _num(agreement.krippendorff_alpha(totals.T, "interval"))
    except ValueError:
        alpha = None
    out["alpha"] = alpha
    out["icc"] = _icc(totals)
    out["agreement_words"] = plain_agreement(alpha)


def _compute_composed(session: Session, stage: Stage, app_ids: list[int], judge_ids: list[int],
                      totals: np.ndarray, parts: dict[str, Any],
                      out: dict[str, Any]) -> dict[str, Any]:
    """Ranks and confidence on the composed score: each panel aggregated by the stage's method
    (the mean for the per-judge methods, which cannot be computed panel by panel), weighted,
    plus 筹资加分 and 特别加分; the bootstrap resamples both panels with the bonus fixed."""
    from scoring.compose import compose, composed_probability

    method = _panel_method(out["method"])
    vote_weight, weight = parts["vote_weight"], parts["weight"]
    share = 1.0 - vote_weight
    result, bonus = _composed(parts, method)
    scores = result.final
    ranking = rank.rank(scores, seed=out["seed"])
    keep = _rankable(totals, min_sheets(stage))
    n_pass, rule = _rule(stage, scores[keep])
    out.update({"rule": rule, "n_pass": n_pass, "composed": True,
                "advancement": dict(stage.config.get("advancement", {}) or {}),
                "composed_method": method, "public_weight": round(weight * 100),
                "vote_weight": round(vote_weight * 100)})
    probability: list[float | None] = [None] * len(app_ids)
    flips: set[int] = set()
    per_method: dict[str, list[float | None]] = {}
    out["no_probability"] = _why_no_probability(n_pass, len(keep))
    if 0 < n_pass < len(keep):
        # Only the applications with enough sheets compete for the line (see _finish).
        expert, public, fixed = parts["expert"][keep], parts["public"][keep], bonus[keep]
        fp = composed_probability(expert, public, fixed, weight, confidence.TopN(n_pass),
                                  n_resamples=1000, seed=out["seed"], aggregate=method,
                                  judges_share=share)
        probability = _spread(fp.probability, keep, len(app_ids))
        out["bootstrap_method"] = method
        baseline = confidence.decide(scores[keep], confidence.TopN(n_pass))
        decisions = {}
        for other in ("mean", "median", "drop_high_low"):
            other_scores = compose(expert, public, fixed, weight, other, share).final
            decisions[other] = confidence.decide(other_scores, confidence.TopN(n_pass))
            per_method[other] = _spread(other_scores, keep, len(app_ids))
            flips |= {int(keep[i]) for i in np.flatnonzero(decisions[other] != baseline)}
        out["sensitivity"] = {m: [bool(d) for d in _spread(v, keep, len(app_ids), False)]
                              for m, v in decisions.items()}
    composed_parts = [{"expert": _num(result.expert[i]), "public": _num(result.public[i]),
                       "funding": _num(parts["funding"][i]), "special": _num(parts["special"][i]),
                       "cofunding_share": _num(parts["share"][i]), "vote": _num(parts["votes"][i])}
                      for i in range(len(app_ids))]
    return _finish(session, out, app_ids, judge_ids, totals, scores, ranking, n_pass,
                   probability, flips, per_method, composed_parts, minimum=min_sheets(stage))


def _icc(totals: np.ndarray) -> float | None:
    """ICC(1,1) over the applications that have at least k scores (k = the smallest count
    among them, at least 2): each row's first k valid scores are one target's ratings."""
    counts = np.sum(~np.isnan(totals), axis=1)
    if counts.size < 2 or counts.max() < 2:
        return None
    k = int(np.min(counts[counts >= 2]))
    rows = [r[~np.isnan(r)][:k] for r, n in zip(totals, counts, strict=True) if n >= k]
    if len(rows) < 2:
        return None
    try:
        return _num(agreement.icc(np.array(rows), "ICC(1,1)").value)
    except ValueError:
        return None


def close_stage(session: Session, actor: Any, user: Any, stage: Stage) -> dict[str, Any]:
    """Close scoring (refused while an application lacks sheets), compute and store the
    results, and draw up the advancement list by the stage's rule."""
    from grants import audit, lifecycle

    judging = services.judging_of(session, stage)
    lifecycle.perform(session, actor, user, "judging.close", judging)
    judging.results = compute(session, stage)
    judging.advanced = [a["id"] for a in judging.results["applications"] if a["passes"]]
    audit.record(session, actor, "judging.results", judging,
                 after={"advanced": judging.advanced})
    return judging.results


def override(session: Session, actor: Any, stage: Stage, application_id: int, advanced: bool,
             reason: str) -> None:
    """Put an application on or off the advancement list, with a recorded reason."""
    from grants import audit
    from grants.validation import FormErrors

    judging = services.judging_of(session, stage)
    if judging.status != "closed":
        raise FormErrors({"reason": _("Results exist once the stage is closed.")})
    if not reason.strip():
        raise FormErrors({"reason": _("Give a reason.")})
    if application_id not in {a["id"] for a in judging.results.get("applications", [])}:
        raise FormErrors({"application_id": _("Choose an application of this stage.")})
    before = list(judging.advanced)
    chosen = [a for a in judging.advanced if a != application_id]
    if advanced:
        chosen.append(application_id)
    judging.advanced = sorted(chosen)
    judging.overrides = [*judging.overrides, {"application_id": application_id,
                                              "advanced": advanced, "reason": reason.strip()}]
    audit.record(session, actor, "judging.override", judging,
                 before={"advanced": before}, after={"advanced": judging.advanced,
                                                     "reason": reason.strip()})
