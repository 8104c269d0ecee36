#!/usr/bin/env python3
"""Post placement: OneMap's greedy + swaps against the exact optimum from PySAL spopt
(MCLP with PuLP/CBC), on the same instance and the same travel-time matrix.

    cargo build --release
    python3 bench/mclp_spopt.py           # writes bench/results-mclp.md

The instance (`onemap bench --only routing --mclp-out FILE`): the demo city's car network,
every 12th intersection as a candidate site, address points aggregated per road segment as
demand, a 3-minute limit, no existing posts (relocating all of them). The travel-time matrix
is demand × candidates in seconds (pairs beyond the limit are given 10× the limit).

Needs: pip install spopt pulp numpy
"""
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import pulp
from spopt.locate import MCLP

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONEMAP = os.path.join(ROOT, "target", "release", "onemap")


def main():
    tmp = tempfile.mkdtemp(prefix="onemap-mclp-")
    path = os.path.join(tmp, "mclp.json")
    subprocess.run([ONEMAP, "bench", "--only", "routing", "--mclp-out", path], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    inst = json.load(open(path))
    limit = inst["limit_s"]
    weights = np.array(inst["weights"], dtype=float)
    n_dem, n_fac = len(weights), len(inst["candidates"])
    cost = np.full((n_dem, n_fac), 10.0 * limit)
    # A demand point a candidate reaches within the limit: cost 0 (within the service radius).
    for f, cover in enumerate(inst["covers"]):
        for d in cover:
            cost[d, f] = 0.0
    lines = [f"Demo city, car, {limit / 60:.0f} min; {n_fac} candidate intersections, {n_dem} demand points "
             f"(10,261 addresses aggregated per segment), total demand {weights.sum():.0f}.\n",
             "| new posts K | spopt MCLP + CBC (optimal) | time | OneMap greedy | OneMap greedy + swaps | time | share of optimal |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for sol in inst["onemap"]:
        k = sol["k"]
        t = time.perf_counter()
        model = MCLP.from_cost_matrix(cost, weights, service_radius=limit, p_facilities=k, name=f"mclp{k}")
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        spopt_s = time.perf_counter() - t
        optimum = pulp.value(model.problem.objective)
        share = sol["covered"] / optimum * 100.0
        lines.append(f"| {k} | {optimum:.0f} | {spopt_s:.2f} s | {sol['greedy_covered']:.0f} | {sol['covered']:.0f} "
                     f"| {sol['solve_ms']:.1f} ms | {share:.2f} % |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(ROOT, "bench", "results-mclp.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
