"""Optimal award routing (资金匹配): a mixed-integer allocation of restricted funds in
rank-weighted order, listing every departure from rank order. Types and eligibility rules are
shared with the greedy ``scoring.route``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from ._errors import ScoringError
from .route import (
    BELOW_MINIMUM,
    BUDGET_EXHAUSTED,
    NO_ELIGIBLE_FUND,
    Award,
    Fund,
    Outcome,
    RankedApplication,
    Unfunded,
    eligibility_matrix,
    fen,
    validate,
)

__all__ = ["Departure", "OptimalRoutingResult", "route_optimal"]


@dataclass(frozen=True)
class Departure:
    """Departure from rank order: ``application_id`` unfunded while lower-ranked ones are funded."""

    application_id: str
    rank: int  # 1-based position in the ranked list
    funded_below: tuple[str, ...]
    cause: str = "optimiser choice"  # or "no eligible fund"


@dataclass(frozen=True)
class OptimalRoutingResult:
    """Result of ``route_optimal``: outcomes, remaining money, every departure from rank order."""

    outcomes: tuple[Outcome, ...]
    remaining: dict[str, int]
    departures: tuple[Departure, ...]
    optimal: bool
    status: str


def route_optimal(
    applications: Sequence[RankedApplication],
    funds: Sequence[Fund],
    max_funds_per_award: int = 2,
    allow_partial: bool = True,
    rank_weight: float = 1.0,
    objective: str = "amount",
    time_limit: float = 30.0,
) -> OptimalRoutingResult:
    """Mixed-integer allocation in rank-weighted order, with every departure from rank order listed.

    Rank weight w_a = 1 + rank_weight * (n - r_a) / n for rank r_a = 0..n-1.
    objective="amount": maximise sum_a w_a * granted_a (fen), i.e. spend as much money as the
    restrictions allow, each fen worth more the higher the application it goes to.
    objective="count": maximise sum_a w_a * funded_a (+ a tiny amount term): the number of
    funded applications first; with partial awards this tends to give many minimum grants.
    Variables: integer fen
    x[a, f] on eligible pairs, binary funded y[a], binary use z[a, f] when the per-award fund
    limit binds. Every unfunded application with a funded lower-ranked one is a departure.
    """
    validate(applications, funds, max_funds_per_award)
    n, nf = len(applications), len(funds)
    e = eligibility_matrix(applications, funds)
    pa, pf = np.nonzero(e)
    npair = pa.size
    target = np.array([a.target for a in applications], dtype=np.float64)
    floor = np.array(
        [a.min_grant if allow_partial else a.target for a in applications], dtype=np.float64
    )
    floor = np.maximum(floor, 1.0)
    avail = np.array([f.available for f in funds], dtype=np.float64)
    n_elig = e.sum(axis=1)
    zmask = n_elig[pa] > max_funds_per_award  # z variables only where the limit can bind
    zi = np.nonzero(zmask)[0]
    nz = zi.size
    nvar = npair + n + nz
    iy, iz = npair, npair + n
    w = 1.0 + rank_weight * (n - np.arange(n)) / max(n, 1)
    scale = max(float(avail.sum()), 1.0)
    c = np.zeros(nvar)
    if objective == "count":
        c[:npair] = -0.1 / max(n, 1) / scale
        c[iy : iy + n] = -w
    elif objective == "amount":
        c[:npair] = -w[pa] / scale
    else:
        raise ScoringError(f"objective must be 'amount' or 'count', got {objective!r}")
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    r0 = 0

    def add(r: np.ndarray, cc: np.ndarray, v: np.ndarray) -> None:
        rows.append(r)
        cols.append(cc)
        vals.append(v)

    # sum_f x - target*y <= 0 ; sum_f x - floor*y >= 0
    add(r0 + pa, np.arange(npair), np.ones(npair))
    add(r0 + np.arange(n), iy + np.arange(n), -target)
    lo.append(np.full(n, -np.inf))
    hi.append(np.zeros(n))
    r0 += n
    add(r0 + pa, np.arange(npair), np.ones(npair))
    add(r0 + np.arange(n), iy + np.arange(n), -floor)
    lo.append(np.zeros(n))
    hi.append(np.full(n, np.inf))
    r0 += n
    # fund capacity
    add(r0 + pf, np.arange(npair), np.ones(npair))
    lo.append(np.full(nf, -np.inf))
    hi.append(avail)
    r0 += nf
    if nz:
        big = np.minimum(target[pa[zi]], avail[pf[zi]])
        add(r0 + np.arange(nz), zi, np.ones(nz))
        add(r0 + np.arange(nz), iz + np.arange(nz), -big)
        lo.append(np.full(nz, -np.inf))
        hi.append(np.zeros(nz))
        r0 += nz
        apps_z, inv = np.unique(pa[zi], return_inverse=True)
        add(r0 + inv, iz + np.arange(nz), np.ones(nz))
        lo.append(np.full(apps_z.size, -np.inf))
        hi.append(np.full(apps_z.size, float(max_funds_per_award)))
        r0 += apps_z.size
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, nvar)
    )
    ub = np.concatenate([np.minimum(target[pa], avail[pf]), np.ones(n + nz)])
    res = milp(
        c,
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        integrality=np.ones(nvar),
        bounds=Bounds(np.zeros(nvar), ub),
        options={"time_limit": time_limit},
    )
    if res.x is None:
        raise ScoringError(f"the optimiser found no allocation: {res.message}")
    x = np.rint(res.x[:npair]).astype(np.int64)
    y = np.rint(res.x[iy : iy + n]).astype(bool)
    x[~y[pa]] = 0
    amount = np.zeros((n, nf), dtype=np.int64)
    amount[pa, pf] = x
    spent = amount.sum(axis=0)
    if (spent > avail.astype(np.int64)).any():
        raise ScoringError("the optimiser's integer rounding overspent a fund; rerun with route()")
    funded = amount.sum(axis=1) > 0
    outcomes: list[Outcome] = []
    departures: list[Departure] = []
    funded_ids = np.array([a.id for a in applications], dtype=object)
    later_funded = np.cumsum(funded[::-1])[::-1] - funded
    for i, a in enumerate(applications):
        if funded[i]:
            alloc = tuple((funds[int(f)].id, int(amount[i, f])) for f in np.nonzero(amount[i])[0])
            got = int(amount[i].sum())
            parts = ", ".join(f"{fen(t)} from '{fid}'" for fid, t in alloc)
            partial = got < a.target
            reason = (
                "partial award" if partial else "funded in full"
            ) + f" with {fen(got)} ({parts}) by the optimiser"
            outcomes.append(Award(a.id, alloc, got, reason, partial))
            continue
        below = funded_ids[i + 1 :][funded[i + 1 :]]
        if not e[i].any():
            outcomes.append(
                Unfunded(a.id, NO_ELIGIBLE_FUND, "no fund's restrictions admit this application")
            )
            if below.size:
                departures.append(
                    Departure(a.id, i + 1, tuple(str(b) for b in below), NO_ELIGIBLE_FUND)
                )
            continue
        if later_funded[i] > 0:
            departures.append(
                Departure(a.id, i + 1, tuple(str(b) for b in below), "optimiser choice")
            )
            outcomes.append(
                Unfunded(
                    a.id,
                    "departure from rank order",
                    f"not funded so that {int(later_funded[i])} lower-ranked application(s) "
                    "could be: "
                    + ", ".join(str(b) for b in below[:10])
                    + (" ..." if below.size > 10 else ""),
                )
            )
            continue
        left = int(sum(avail[f] - spent[f] for f in np.nonzero(e[i])[0]))
        reason = BUDGET_EXHAUSTED if left == 0 else BELOW_MINIMUM
        outcomes.append(Unfunded(a.id, reason, f"{fen(left)} left in eligible funds", most=left))
    remaining = {f.id: int(f.available - s) for f, s in zip(funds, spent, strict=False)}
    return OptimalRoutingResult(
        tuple(outcomes), remaining, tuple(departures), bool(res.status == 0), str(res.message)
    )
