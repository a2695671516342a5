"""Benchmark of the documents: ``python bench/bench_pdf.py [--quick]``.

Side by side in one run, each case in its own fresh process (so peak memory is the process's
own maximum resident size), after one warm-up render:

- a 1,000-row award list through grants.pdf.render (template + WeasyPrint) against WeasyPrint
  alone rendering the same HTML string (target: at most 1.1x its time);
- 200 certificates rendered as one batch against 200 separate renders (target: the batch at
  least 5x faster).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ISSUED = date(2026, 11, 20)


def list_context(n: int) -> dict[str, Any]:
    rows = [{"rank": i + 1, "organisation": f"坂田街道第{i % 40 + 1}社区社会工作服务站",
             "project": f"长者互助与社区融入项目（第{i + 1}号）", "level_label": "",
             "amount_fen": 50_000_00 + i, "funds": "坂田街道“幸福老人计划”项目资金"}
            for i in range(n)]
    return {"title": "2026年坂田街道社区公益创投大赛拟资助项目公示",
            "organiser_unit": "深圳市龙岗区坂田街道办事处", "round_name": "2026年坂田街道社区公益创投大赛",
            "kind": "notice",
            "notice": {"published_on": ISSUED, "window_start": ISSUED,
                       "window_end": date(2026, 11, 27), "working_days": 5,
                       "address": "https://grants.example.cn/public/notices/7",
                       "contact": "0755-8888 0000"},
            "rows": rows, "total_fen": sum(r["amount_fen"] for r in rows), "issued_on": ISSUED}


def certificate(i: int) -> dict[str, Any]:
    code = f"BENCH{i:05d}"
    return {"organisation": f"坂田街道第{i % 40 + 1}社区社会工作服务站", "project": f"长者互助项目{i}",
            "level_label": ("一等奖", "二等奖", "三等奖", "优秀奖")[i % 4],
            "round_name": "2026年坂田街道社区公益创投大赛", "organiser_unit": "深圳市龙岗区坂田街道办事处",
            "awarded_on": ISSUED, "code": code,
            "verify_url": f"https://grants.example.cn/verify/{code}"}


def run_case(case: str, n: int, repeat: int) -> dict[str, Any]:
    """One case in this process: warm up, then the best of `repeat` timed runs."""
    from weasyprint import HTML

    from grants import pdf

    def ours_list() -> bytes:
        return pdf.render("pdf/award_list.html", **list_context(n))

    html_text = pdf.html("pdf/award_list.html", **list_context(n))

    def weasy_list() -> bytes:
        return HTML(string=html_text, base_url=str(pdf.STATIC)).write_pdf()

    def batch() -> bytes:
        return pdf.render("pdf/certificates.html", certificates=[certificate(i) for i in range(n)])

    def separate() -> bytes:
        out = b""
        for i in range(n):
            out = pdf.render("pdf/certificates.html", certificates=[certificate(i)])
        return out

    work = {"list_ours": ours_list, "list_weasyprint": weasy_list, "certs_batch": batch,
            "certs_separate": separate}[case]
    pdf.render("pdf/certificates.html", certificates=[certificate(0)])  # warm-up (fonts)
    HTML(string="<p>预热</p>").write_pdf()
    best, size = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(work())
        best = min(best, time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": best, "peak_mb": peak_mb, "bytes": size}


def measure(case: str, n: int, repeat: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--case", case, "--n", str(n),
                           "--repeat", str(repeat)], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--case")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.n, args.repeat)))
        return 0
    rows_n, certs_n, repeat = (100, 20, 1) if args.quick else (1_000, 200, 2)
    results = {}
    for case, n in (("list_ours", rows_n), ("list_weasyprint", rows_n),
                    ("certs_batch", certs_n), ("certs_separate", certs_n)):
        results[case] = measure(case, n, 1 if case == "certs_separate" else repeat)
    print(f"{'case':<44}{'time (s)':>10}{'peak MB':>10}{'PDF KB':>9}")
    labels = {"list_ours": f"award list, {rows_n} rows: grants.pdf.render",
              "list_weasyprint": f"award list, {rows_n} rows: WeasyPrint alone",
              "certs_batch": f"{certs_n} certificates: one batch",
              "certs_separate": f"{certs_n} certificates: separate renders"}
    for case, r in results.items():
        print(f"{labels[case]:<44}{r['seconds']:>10.2f}{r['peak_mb']:>10.0f}"
              f"{r['bytes'] / 1024:>9.0f}")
    ratio = results["list_ours"]["seconds"] / results["list_weasyprint"]["seconds"]
    speedup = results["certs_separate"]["seconds"] / results["certs_batch"]["seconds"]
    print(f"\naward list vs WeasyPrint alone: {ratio:.2f}x (target <= 1.10x)")
    print(f"certificates, batch vs separate: {speedup:.1f}x faster (target >= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
