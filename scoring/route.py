"""Award routing (资金匹配): pay ranked applications from restricted funds, in integer fen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from ._errors import ScoringError

__all__ = [
    "Award",
    "Departure",
    "Fund",
    "OptimalRoutingResult",
    "RankedApplication",
    "RoutingResult",
    "Unfunded",
    "eligibility_matrix",
    "eligible",
    "fen",
    "route",
    "route_optimal",
]

NO_ELIGIBLE_FUND = "no eligible fund"
BUDGET_EXHAUSTED = "budget exhausted"
BELOW_MINIMUM = "remaining money below the minimum grant"


@dataclass(frozen=True)
class RankedApplication:
    """An application in rank order; all money in integer fen (分)."""

    id: str
    requested: int
    min_grant: int
    max_grant: int
    category: str = ""
    service_area: str = ""
    target_groups: frozenset[str] = frozenset()
    community: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_groups", frozenset(self.target_groups))

    @property
    def target(self) -> int:
        """Amount sought: the request capped at the maximum grant."""
        return min(self.requested, self.max_grant)


@dataclass(frozen=True)
class Fund:
    """A pot of money with restrictions; an empty set means unrestricted on that attribute."""

    id: str
    available: int
    categories: frozenset[str] = frozenset()
    service_areas: frozenset[str] = frozenset()
    target_groups: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("categories", "service_areas", "target_groups", "communities"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))


@dataclass(frozen=True)
class Award:
    """Money granted to one application, split over at most max_funds_per_award funds."""

    application_id: str
    allocations: tuple[tuple[str, int], ...]
    total: int
    reason: str
    partial: bool = False


@dataclass(frozen=True)
class Unfunded:
    """An application that receives nothing, with the reason."""

    application_id: str
    reason: str
    detail: str = ""


Outcome = Award | Unfunded


@dataclass(frozen=True)
class RoutingResult:
    """Outcome per application (rank order) and money left per fund."""

    outcomes: tuple[Outcome, ...]
    remaining: dict[str, int]
    spent: dict[str, int] = field(default_factory=dict)

    def awards(self) -> list[Award]:
        """Only the awards, in rank order."""
        return [o for o in self.outcomes if isinstance(o, Award)]


def fen(amount: int) -> str:
    """Format integer fen as yuan, e.g. 123456 -> '¥1,234.56'."""
    sign = "-" if amount < 0 else ""
    a = abs(int(amount))
    return f"{sign}¥{a // 100:,}.{a % 100:02d}"


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def validate(
    applications: Sequence[RankedApplication], funds: Sequence[Fund], max_funds_per_award: int
) -> None:
    """Money must be non-negative integer fen, ids unique, min_grant <= target."""
    if max_funds_per_award < 1:
        raise ScoringError(f"max_funds_per_award must be at least 1, got {max_funds_per_award}")
    ids = [a.id for a in applications]
    if len(set(ids)) != len(ids):
        raise ScoringError("application ids are not unique")
    if len({f.id for f in funds}) != len(funds):
        raise ScoringError("fund ids are not unique")
    for f in funds:
        if not _is_int(f.available) or f.available < 0:
            raise ScoringError(
                f"fund '{f.id}' available must be a non-negative integer number of fen, "
                f"got {f.available!r}"
            )
    for a in applications:
        for name in ("requested", "min_grant", "max_grant"):
            v = getattr(a, name)
            if not _is_int(v) or v < 0:
                raise ScoringError(
                    f"application '{a.id}' {name} must be a non-negative integer number of fen, "
                    f"got {v!r}"
                )
        if a.min_grant > a.max_grant:
            raise ScoringError(
                f"application '{a.id}' has min_grant {a.min_grant} above max_grant {a.max_grant}"
            )
        if a.target < a.min_grant:
            raise ScoringError(
                f"application '{a.id}' requests {a.requested} fen, "
                f"below the minimum grant {a.min_grant} fen"
            )


def eligible(app: RankedApplication, fund: Fund) -> bool:
    """True when the fund may pay for the application (target groups: any overlap suffices)."""
    return (
        (not fund.categories or app.category in fund.categories)
        and (not fund.service_areas or app.service_area in fund.service_areas)
        and (not fund.target_groups or bool(app.target_groups & fund.target_groups))
        and (not fund.communities or app.community in fund.communities)
    )


def eligibility_matrix(
    applications: Sequence[RankedApplication], funds: Sequence[Fund]
) -> np.ndarray:
    """Boolean [applications, funds] matrix of ``eligible``."""
    e = np.zeros((len(applications), len(funds)), dtype=bool)
    for j, f in enumerate(funds):
        for i, a in enumerate(applications):
            e[i, j] = eligible(a, f)
    return e


def _best_split(need: int, rem: list[int], prefs: list[int], m: int) -> list[tuple[int, int]]:
    """Choose <= m funds (``prefs`` = preference order) covering as much of ``need`` as possible,
    taking money from the least-flexible funds first."""
    usable = [f for f in prefs if rem[f] > 0]
    best: list[tuple[int, int]] = []
    best_key: tuple[int, ...] = (-1,)
    for size in range(1, min(m, len(usable)) + 1):
        for combo in combinations(usable, size):  # combos keep preference order
            left = need
            alloc = []
            for f in combo:
                take = min(rem[f], left)
                if take > 0:
                    alloc.append((f, take))
                    left -= take
            taken = dict(alloc)
            key = (need - left, *[taken.get(f, 0) for f in usable])
            if key > best_key:
                best_key, best = key, alloc
    return best


def route(
    applications: Sequence[RankedApplication],
    funds: Sequence[Fund],
    max_funds_per_award: int = 2,
    allow_partial: bool = True,
) -> RoutingResult:
    """Walk applications in rank order and fund each from eligible funds (least flexible first).

    Each application seeks min(requested, max_grant); with ``allow_partial`` it accepts down
    to its min_grant. A fund's flexibility is the number of REMAINING lower-ranked
    applications that could use it; less flexible money is spent first so later, more
    restricted money stays for those who can only use it. At most ``max_funds_per_award``
    funds per award; all amounts are integer fen.
    """
    validate(applications, funds, max_funds_per_award)
    e = eligibility_matrix(applications, funds)
    # later[i, f] = number of applications ranked below i eligible for fund f
    later = np.cumsum(e[::-1], axis=0)[::-1] - e
    rem = [int(f.available) for f in funds]
    outcomes: list[Outcome] = []
    for i, a in enumerate(applications):
        elig = np.nonzero(e[i])[0]
        if elig.size == 0:
            outcomes.append(
                Unfunded(a.id, NO_ELIGIBLE_FUND, "no fund's restrictions admit this application")
            )
            continue
        prefs = sorted((int(f) for f in elig), key=lambda f: (later[i, f], rem[f], f))
        money = sum(rem[f] for f in prefs)
        if money == 0:
            outcomes.append(Unfunded(a.id, BUDGET_EXHAUSTED, "every eligible fund is spent"))
            continue
        need = a.target
        if need == 0:
            outcomes.append(Unfunded(a.id, BELOW_MINIMUM, "nothing requested"))
            continue
        alloc = _best_split(need, rem, prefs, max_funds_per_award)
        got = sum(t for _, t in alloc)
        floor = a.min_grant if allow_partial else need
        if got < max(floor, 1):
            detail = (
                f"at most {fen(got)} can be paid from up to {max_funds_per_award} eligible funds, "
                + (
                    f"below the minimum grant {fen(a.min_grant)}"
                    if allow_partial
                    else f"below the {fen(need)} sought and partial awards are not allowed"
                )
            )
            outcomes.append(Unfunded(a.id, BELOW_MINIMUM, detail))
            continue
        for f, t in alloc:
            rem[f] -= t
        parts = ", ".join(f"{fen(t)} from '{funds[f].id}'" for f, t in alloc)
        partial = got < need
        reason = (
            f"partial award of {fen(got)} of the {fen(need)} sought ({parts}); "
            "eligible money ran short"
            if partial
            else f"funded in full with {fen(got)} ({parts})"
        )
        outcomes.append(
            Award(a.id, tuple((funds[f].id, int(t)) for f, t in alloc), int(got), reason, partial)
        )
    remaining = {f.id: int(r) for f, r in zip(funds, rem, strict=False)}
    spent = {f.id: int(f.available - r) for f, r in zip(funds, rem, strict=False)}
    return RoutingResult(tuple(outcomes), remaining, spent)


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
        outcomes.append(Unfunded(a.id, reason, f"{fen(left)} left in eligible funds"))
    remaining = {f.id: int(f.available - s) for f, s in zip(funds, spent, strict=False)}
    return OptimalRoutingResult(
        tuple(outcomes), remaining, tuple(departures), bool(res.status == 0), str(res.message)
    )
