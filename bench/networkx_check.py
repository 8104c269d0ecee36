#!/usr/bin/env python3
"""Independent check of OneMap's bounded Dijkstra with networkx.

Reads the graph written by `onemap export-graph --out DIR`, computes the node sets reached
within a time limit for a fixed list of cases (modes, directions, several sources with start
costs), and writes them as a fixture that the core test `routing_demo.rs` compares against:
count and an FNV-1a hash of the sorted node ids.

    cargo run --release -- export-graph --out /tmp/onemap-graph
    python3 bench/networkx_check.py /tmp/onemap-graph crates/onemap-core/tests/fixtures/networkx-reached.json

Needs: pip install networkx
"""
import csv
import json
import sys

import networkx as nx


def fnv1a64(text: str) -> str:
    h = 0xCBF29CE484222325
    for b in text.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def load(dirname):
    nodes = {}
    with open(f"{dirname}/nodes.csv") as f:
        for row in csv.DictReader(f):
            nodes[int(row["id"])] = row
    graphs = {}
    with open(f"{dirname}/edges.csv") as f:
        for row in csv.DictReader(f):
            g = graphs.setdefault(row["mode"], nx.DiGraph())
            u, v, t = int(row["tail"]), int(row["head"]), float(row["seconds"])
            # Parallel roads between the same two nodes: the faster one counts.
            if not g.has_edge(u, v) or g[u][v]["t"] > t:
                g.add_edge(u, v, t=t)
    return nodes, graphs


def reached(g, sources, limit):
    # A super source with an edge of the start cost to each source.
    h = g.copy()
    for node, cost in sources:
        h.add_edge("s", node, t=cost)
    dist = nx.single_source_dijkstra_path_length(h, "s", cutoff=limit, weight="t")
    return sorted(n for n in dist if n != "s"), dist


def main():
    graph_dir, out = sys.argv[1], sys.argv[2]
    nodes, graphs = load(graph_dir)
    main_car = sorted(i for i, r in nodes.items() if r["main_car"] == "1")

    pick = lambda ids, k: ids[(len(ids) * k) // 7]
    cases = [
        ("car", "forward", [(pick(main_car, 3), 0.0)], 60.0),
        ("car", "forward", [(pick(main_car, 3), 0.0)], 180.0),
        ("car", "forward", [(pick(main_car, 3), 0.0)], 300.0),
        ("car", "forward", [(pick(main_car, 1), 0.0), (pick(main_car, 4), 20.0), (pick(main_car, 6), 45.5)], 180.0),
        ("car", "reverse", [(pick(main_car, 2), 0.0)], 300.0),
        ("motorbike", "forward", [(pick(main_car, 5), 10.0)], 240.0),
        ("ebike", "forward", [(pick(main_car, 2), 0.0)], 180.0),
        ("foot", "forward", [(pick(main_car, 3), 0.0)], 300.0),
    ]
    results = []
    for mode, direction, sources, limit in cases:
        g = graphs[mode]
        if direction == "reverse":
            g = g.reverse(copy=True)
        ids, dist = reached(g, sources, limit)
        near = sum(1 for n, d in dist.items() if n != "s" and abs(d - limit) < 1e-3)
        results.append({
            "mode": mode,
            "direction": direction,
            "sources": [[n, c] for n, c in sources],
            "limit_s": limit,
            "count": len(ids),
            "fnv1a64": fnv1a64(",".join(map(str, ids))),
            "within_1ms_of_limit": near,
        })
        print(f"{mode:9} {direction:7} {limit:5.0f} s from {len(sources)} source(s): {len(ids):6} nodes"
              f" ({near} within 1 ms of the limit)")
    with open(out, "w") as f:
        json.dump({"generated_by": "bench/networkx_check.py", "networkx": nx.__version__,
                   "cases": results}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
