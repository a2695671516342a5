"""Benchmark of the scoring package: ``python bench/bench_scoring.py [--quick]``."""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.aggregate import drop_high_low, zscore_mean
from scoring.agreement import krippendorff_alpha
from scoring.assign import assign
from scoring.confidence import TopN, funding_probability
from scoring.rank import TieBreak, rank
from scoring.route import Fund, RankedApplication, route
from scoring.route_optimal import route_optimal
from scoring.rubric import totals


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (numpy allocations are traced) in MB."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    args = ap.parse_args(argv)
    q = args.quick
    rng = np.random.default_rng(0)
    rows: list[tuple[str, str, float, str, float, float, str]] = []
    repeat = 1 if q else 3

    # (1) scoring pipeline
    n_apps, n_j, n_c = (1_000, 7, 8) if q else (10_000, 7, 8)
    maxima = np.full(n_c, 100.0 / n_c)
    quality = rng.uniform(0.3, 0.95, n_apps)
    pts = np.clip(quality[:, None, None] + rng.normal(0, 0.1, (n_apps, n_j, n_c)), 0, 1)
    pts = np.round(pts * maxima * 2) / 2
    pts[rng.random((n_apps, n_j)) < 0.05] = np.nan
    need = pts[:, :, 0]

    def pipeline() -> Any:
        t = totals(pts, maxima)
        d = drop_high_low(t)
        z = zscore_mean(t, scale=(0.0, 100.0))
        need_mean = np.nanmean(need, axis=1)
        return rank(d, [TieBreak("need", need_mean), TieBreak("zscore", z)], seed=1), t

    sheets = pipeline()[1]
    floor1 = best_of(lambda: np.nanmean(pts, axis=(1, 2)), repeat)
    t1 = best_of(pipeline, repeat)
    rows.append(("totals+drop+z+rank", f"{n_apps}x{n_j}x{n_c}", t1, "", floor1, 0.1, ""))

    # (2) funding confidence
    n_res = 100 if q else 1000
    floor2 = n_res * best_of(lambda: np.nanmean(sheets, axis=1), repeat)
    t2 = best_of(
        lambda: funding_probability(sheets, TopN(n_apps // 10), n_res, 0, "drop_high_low"), 1
    )
    rows.append(
        ("funding confidence", f"{n_apps}x{n_j}, {n_res} resamples", t2, "", floor2, 3.0, "")
    )

    # (3) assignment
    a_apps, a_j = (1_000, 30) if q else (10_000, 300)
    conflicts = rng.random((a_apps, a_j)) < 0.02
    floor3 = best_of(lambda: conflicts.sum(axis=1), repeat)
    t3 = best_of(lambda: assign(a_apps, a_j, 5, 0, None, conflicts, seed=0), 1)
    rows.append(("assignment k=5, 2% conflicts", f"{a_apps}x{a_j}", t3, "", floor3, 10.0, ""))

    # (4) routing
    r_n = 200 if q else 2000
    cats = ["elderly", "youth", "env", "health"]
    apps = [
        RankedApplication(
            f"a{i}",
            int(rng.integers(50, 300)) * 10_000,
            200_000,
            2_500_000,
            cats[i % 4],
            "AB"[i % 2],
            frozenset({cats[(i * 7) % 4]}),
            "nsew"[i % 4],
        )
        for i in range(r_n)
    ]
    scale = r_n // 200
    funds = [
        Fund("general", 20_000_000 * scale),
        Fund("elderly", 8_000_000 * scale, target_groups=frozenset({"elderly"})),
        Fund("youth-env", 6_000_000 * scale, categories=frozenset({"youth", "env"})),
        Fund("north", 5_000_000 * scale, communities=frozenset({"n"})),
        Fund(
            "health-A",
            4_000_000 * scale,
            categories=frozenset({"health"}),
            service_areas=frozenset({"A"}),
        ),
    ]
    req = np.array([a.requested for a in apps])
    floor4 = best_of(lambda: np.cumsum(req), repeat)
    t4 = best_of(lambda: route(apps, funds), repeat)
    rows.append(("routing (greedy)", f"{r_n} apps x 5 funds", t4, "", floor4, 2.0, ""))
    t4b = best_of(lambda: route_optimal(apps, funds), 1)
    rows.append(
        ("routing (MILP, route_optimal)", f"{r_n} apps x 5 funds", t4b, "", floor4, 2.0, "")
    )

    # (5) Krippendorff alpha, sparse continuous
    k_j, k_u = (60, 2_000) if q else (300, 10_000)
    truth = rng.normal(70, 10, k_u)
    data = np.full((k_j, k_u), np.nan)
    for _ in range(5):
        j = rng.integers(0, k_j, k_u)
        data[j, np.arange(k_u)] = truth + rng.normal(0, 3, k_u)
    floor5 = best_of(lambda: np.nansum(data, axis=0), repeat)
    t5 = best_of(lambda: krippendorff_alpha(data, "interval"), repeat)
    mem5 = peak_mb(lambda: krippendorff_alpha(data, "interval"))
    rows.append(
        (
            "krippendorff alpha interval",
            f"{k_j}x{k_u} sparse",
            t5,
            f"{mem5:.0f} MB",
            floor5,
            2.0,
            "500 MB",
        )
    )

    header = ("task", "size", "time (best)", "peak mem", "numpy floor", "target", "result")
    table = []
    for task, size, t, mem, floor, target, mem_target in rows:
        ok = t < target
        if mem_target:
            ok = ok and float(mem.split()[0]) < float(mem_target.split()[0])
        tgt = f"< {target:g} s" + (f", < {mem_target}" if mem_target else "")
        table.append(
            (
                task,
                size,
                f"{t * 1000:.1f} ms",
                mem or "-",
                f"{floor * 1000:.1f} ms",
                tgt,
                "pass" if ok else "FAIL",
            )
        )
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in table:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    if q:
        print("(quick run: reduced sizes, targets are for the full sizes)")


if __name__ == "__main__":
    main()
