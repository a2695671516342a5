"""`make bench`: every benchmark, each printing its own table. `--quick` for a smoke run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["bench_scoring.py", "bench_pages.py", "bench_load.py", "bench_vote.py",
              "bench_pdf.py", "bench_money.py", "bench_impact.py", "bench_close.py"]


def main() -> int:
    extra = sys.argv[1:]
    failed = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / name), *extra]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
