"""Award routing (资金匹配): pay ranked applications from restricted funds, in integer fen.

The greedy rank-order walk ``route`` and the shared types; the mixed-integer variant is
``scoring.route_optimal``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from ._errors import ScoringError

__all__ = [
    "Award",
    "Fund",
    "RankedApplication",
    "RoutingResult",
    "Unfunded",
    "eligibility_matrix",
    "eligible",
    "fen",
    "route",
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
    reason: str  # a code: NO_ELIGIBLE_FUND, BUDGET_EXHAUSTED, BELOW_MINIMUM
    detail: str = ""  # for developers, in English; callers word the reason themselves
    most: int = 0  # fen: the most that eligible funds could still have paid


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
            outcomes.append(Unfunded(a.id, BELOW_MINIMUM, detail, most=got))
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
