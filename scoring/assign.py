"""Assignment of judges to applications (分配评委) with conflicts, load bounds and preferences."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from ._arrays import BoolArray, FloatArray, IntArray
from ._errors import AssignmentImpossible, ScoringError

__all__ = ["Assignment", "AssignmentImpossible", "assign"]


@dataclass(frozen=True)
class Assignment:
    """judges[i]: the k judges (sorted) of application i; load[j]: judge j's application count."""

    judges: IntArray
    load: IntArray
    method: str  # "greedy" or "max-flow"
    seed: int


def _allowed_matrix(n_apps: int, n_judges: int, conflicts: Any) -> BoolArray:
    allowed = np.ones((n_apps, n_judges), dtype=bool)
    if conflicts is None:
        return allowed
    if isinstance(conflicts, np.ndarray) or (
        isinstance(conflicts, (list, tuple))
        and conflicts
        and isinstance(conflicts[0], (list, np.ndarray))
        and len(conflicts) == n_apps
        and len(conflicts[0]) == n_judges
        and n_judges != 2
    ):
        c = np.asarray(conflicts, dtype=bool)
        if c.shape != (n_apps, n_judges):
            raise ScoringError(
                f"conflict matrix has shape {c.shape}, expected ({n_apps}, {n_judges})"
            )
        return ~c
    pairs = np.array(
        list(conflicts if isinstance(conflicts, Iterable) else []), dtype=np.int64
    ).reshape(-1, 2)
    if pairs.size:
        if (pairs[:, 0] < 0).any() or (pairs[:, 0] >= n_apps).any():
            raise ScoringError(f"a conflict names an application outside 0..{n_apps - 1}")
        if (pairs[:, 1] < 0).any() or (pairs[:, 1] >= n_judges).any():
            raise ScoringError(f"a conflict names a judge outside 0..{n_judges - 1}")
        allowed[pairs[:, 0], pairs[:, 1]] = False
    return allowed


def _fmt(ids: IntArray, limit: int = 10) -> str:
    head = ", ".join(str(int(i)) for i in ids[:limit])
    return head + (f", ... ({ids.size} in total)" if ids.size > limit else "")


def _check_simple(n_apps: int, n_judges: int, k: int, lo: int, hi: int, allowed: BoolArray) -> None:
    if k > n_judges:
        raise AssignmentImpossible(
            f"each application needs {k} judges but there are only {n_judges} judges"
        )
    if lo > hi:
        raise AssignmentImpossible(f"min_load {lo} is larger than max_load {hi}")
    per_app = allowed.sum(axis=1)
    short = np.nonzero(per_app < k)[0]
    if short.size:
        i = int(short[0])
        more = f" (and {short.size - 1} other applications)" if short.size > 1 else ""
        raise AssignmentImpossible(
            f"application {i} has only {int(per_app[i])} judges without a conflict "
            f"but needs {k}{more}"
        )
    need = n_apps * k
    if need > n_judges * hi:
        raise AssignmentImpossible(
            f"total load {need:,} ({n_apps:,} applications x k {k}) exceeds "
            f"{n_judges:,} judges x max_load {hi:,} = {n_judges * hi:,}"
        )
    if n_judges * lo > need:
        raise AssignmentImpossible(
            f"min_load x judges = {lo:,} x {n_judges:,} = {lo * n_judges:,} exceeds "
            f"k x apps = {k} x {n_apps:,} = {need:,}"
        )
    per_judge = allowed.sum(axis=0)
    few = np.nonzero(per_judge < lo)[0]
    if few.size:
        j = int(few[0])
        raise AssignmentImpossible(
            f"judge {j} has only {int(per_judge[j])} applications without a conflict "
            f"but min_load is {lo}"
        )


def _bipartite_flow(
    left_cap: IntArray, right_cap: IntArray, edges: BoolArray
) -> tuple[int, Any, IntArray]:
    """Max flow source -> left (left_cap) -> right (edges, cap 1) -> sink (right_cap)."""
    nl, nr = edges.shape
    src, snk = 0, 1
    li, rj = np.nonzero(edges)
    rows = np.concatenate([np.zeros(nl, np.int64), 2 + li, 2 + nl + np.arange(nr)])
    cols = np.concatenate([2 + np.arange(nl), 2 + nl + rj, np.ones(nr, np.int64)])
    cap = np.concatenate([left_cap, np.ones(li.size, np.int64), right_cap]).astype(np.int32)
    g = sp.csr_matrix((cap, (rows, cols)), shape=(2 + nl + nr, 2 + nl + nr))
    res = maximum_flow(g, src, snk, method="dinic")
    residual = g - res.flow
    residual.data = np.maximum(residual.data, 0)
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    return int(res.flow_value), res.flow, np.asarray(reach)


def _explain(n_apps: int, n_judges: int, k: int, lo: int, hi: int, allowed: BoolArray) -> str:
    need = n_apps * k
    val, _, reach = _bipartite_flow(np.full(n_apps, k), np.full(n_judges, hi), allowed)
    if val < need:
        apps = np.sort(reach[(reach >= 2) & (reach < 2 + n_apps)] - 2)
        judges = np.sort(reach[reach >= 2 + n_apps] - 2 - n_apps)
        return (
            f"applications {_fmt(apps)} need {k * apps.size:,} reviews between them, "
            f"but the judges without a conflict who could take them ({_fmt(judges)}) "
            f"reach max_load {hi}; "
            f"at most {val:,} of the {need:,} reviews can be placed"
        )
    if lo > 0:
        val2, _, reach2 = _bipartite_flow(np.full(n_judges, lo), np.full(n_apps, k), allowed.T)
        if val2 < n_judges * lo:
            judges = np.sort(reach2[(reach2 >= 2) & (reach2 < 2 + n_judges)] - 2)
            return (
                f"judges {_fmt(judges)} cannot all reach min_load {lo}: the applications they may "
                f"review (no conflict) do not have enough of their k={k} review slots; at most "
                f"{val2:,} of the {n_judges * lo:,} minimum reviews can be placed"
            )
    return "the conflicts, k, min_load and max_load cannot all be met at once"


def _flow_assign(
    n_apps: int, n_judges: int, k: int, lo: int, hi: int, allowed: BoolArray
) -> BoolArray | None:
    """Exact feasibility with lower bounds (circulation); returns an assignment matrix or None."""
    # nodes: 0 S*, 1 T*, 2 s, 3 t, apps 4.., judges 4+A..
    a0, j0 = 4, 4 + n_apps
    ai, jj = np.nonzero(allowed)
    r = [np.array([0, 2, 3]), np.zeros(n_apps, np.int64), a0 + ai]
    c = [np.array([3, 1, 2]), a0 + np.arange(n_apps), j0 + jj]
    cap = [
        np.array([n_judges * lo, n_apps * k, n_apps * k]),
        np.full(n_apps, k),
        np.ones(ai.size, np.int64),
    ]
    if hi > lo:
        r.append(j0 + np.arange(n_judges))
        c.append(np.full(n_judges, 3))
        cap.append(np.full(n_judges, hi - lo))
    if lo > 0:
        r.append(j0 + np.arange(n_judges))
        c.append(np.ones(n_judges, np.int64))
        cap.append(np.full(n_judges, lo))
    rows, cols, data = np.concatenate(r), np.concatenate(c), np.concatenate(cap)
    keep = data > 0
    size = j0 + n_judges
    g = sp.csr_matrix((data[keep].astype(np.int32), (rows[keep], cols[keep])), shape=(size, size))
    res = maximum_flow(g, 0, 1, method="dinic")
    if int(res.flow_value) < n_apps * k + n_judges * lo:
        return None
    f = res.flow.tocsr()[a0:j0, j0:].toarray()
    return np.asarray(f > 0)


def _rebalance(x: BoolArray, allowed: BoolArray, max_moves: int) -> None:
    """Move reviews from the most- to the least-loaded judges while it narrows the spread."""
    load = x.sum(axis=0)
    blocked: set[tuple[int, int]] = set()
    for _ in range(max_moves):
        order = np.argsort(load, kind="stable")
        moved = False
        for j_lo in order[:8]:
            for j_hi in order[::-1][:8]:
                if load[j_hi] - load[j_lo] <= 1:
                    continue
                if (int(j_hi), int(j_lo)) in blocked:
                    continue
                cand = np.nonzero(x[:, j_hi] & allowed[:, j_lo] & ~x[:, j_lo])[0]
                if cand.size == 0:
                    blocked.add((int(j_hi), int(j_lo)))
                    continue
                i = cand[0]
                x[i, j_hi] = False
                x[i, j_lo] = True
                load[j_hi] -= 1
                load[j_lo] += 1
                moved = True
                break
            if moved:
                break
        if not moved:
            return


def assign(
    n_apps: int,
    n_judges: int,
    k: int,
    min_load: int = 0,
    max_load: int | None = None,
    conflicts: Any = None,
    preference: Any = None,
    seed: int = 0,
) -> Assignment:
    """Give each application k distinct non-conflicted judges; judge loads in [min_load, max_load].

    Greedy first: most-constrained applications first, each taking the eligible judges
    below the balanced cap ceil(k*apps/judges) with the highest preference, then lowest
    load, then a seeded lot. If greedy cannot finish, an exact max-flow (with lower
    bounds) decides feasibility and supplies the assignment, which is then rebalanced.
    Deterministic for the same input and seed.
    """
    if n_apps < 0 or n_judges < 1 or k < 1:
        raise ScoringError(
            f"need n_apps >= 0, n_judges >= 1 and k >= 1; got {n_apps}, {n_judges}, {k}"
        )
    hi = n_apps if max_load is None else int(max_load)
    lo = int(min_load)
    if lo < 0 or hi < 0:
        raise ScoringError("min_load and max_load must be non-negative")
    allowed = _allowed_matrix(n_apps, n_judges, conflicts)
    _check_simple(n_apps, n_judges, k, lo, hi, allowed)
    pref: FloatArray | None = None
    if preference is not None:
        pref = np.asarray(preference, dtype=np.float64)
        if pref.shape != (n_apps, n_judges):
            raise ScoringError(
                f"preference has shape {pref.shape}, expected ({n_apps}, {n_judges})"
            )
        if not np.isfinite(pref).all():
            raise ScoringError("preference contains NaN or infinite values")
    rng = np.random.default_rng(seed)
    jitter = rng.random((n_apps, n_judges)) if n_apps * n_judges <= 20_000_000 else None
    cap = min(hi, max(lo, math.ceil(n_apps * k / n_judges))) if n_apps else hi
    order = np.lexsort((rng.permutation(n_apps), allowed.sum(axis=1)))
    load = np.zeros(n_judges, dtype=np.int64)
    x = np.zeros((n_apps, n_judges), dtype=bool)
    ok = True
    for i in order:
        cand = np.nonzero(allowed[i] & (load < cap))[0]
        if cand.size < k:
            ok = False
            break
        jit = jitter[i, cand] if jitter is not None else rng.random(cand.size)
        if pref is None:
            key = load[cand] + jit
            pick = cand[np.argpartition(key, k - 1)[:k]] if cand.size > k else cand
        else:
            pick = cand[np.lexsort((jit, load[cand], -pref[i, cand]))[:k]]
        x[i, pick] = True
        load[pick] += 1
    method = "greedy"
    if ok and lo > 0 and (load < lo).any():
        _rebalance(x, allowed, max_moves=n_apps * k)
        load = x.sum(axis=0)
        ok = not (load < lo).any()
    if not ok:
        flow_x = _flow_assign(n_apps, n_judges, k, lo, hi, allowed)
        if flow_x is None:
            raise AssignmentImpossible(_explain(n_apps, n_judges, k, lo, hi, allowed))
        x = flow_x
        _rebalance(x, allowed, max_moves=n_apps * k)
        method = "max-flow"
    load = x.sum(axis=0).astype(np.int64)
    judges = (
        np.nonzero(x)[1].reshape(n_apps, k).astype(np.int64)
        if n_apps
        else np.zeros((0, k), np.int64)
    )
    return Assignment(judges, load, method, seed)
