#!/usr/bin/env python3
"""Make a city K×K (or KX×KY) times the demo by tiling its extract: copy (i, j) is shifted by i
widths east and j heights north of the extract's box, and its node, way and relation ids by a
per-copy offset, so the copies are separate cities side by side, each joined to its east and north neighbours by a trunk
road between their main roads nearest the shared edge, so the whole is one road network.

    python3 bench/scale_city.py --k 10 --out /tmp/city-100x.osm.pbf
    python3 bench/scale_city.py --kx 5 --ky 2 --out /tmp/city-10x.osm.pbf

Needs pyosmium (`pip install osmium`); `scripts/scale-bench.sh` makes a virtual environment.
"""

import argparse
import time

import osmium


def bounds(path):
    """The extract's own box from its header (its nodes reach much further: complete ways and
    relations), else the nodes' extent."""
    reader = osmium.io.Reader(path, osmium.osm.osm_entity_bits.NOTHING)
    box = reader.header().box()
    reader.close()
    if box.valid():
        return [box.bottom_left.lon, box.bottom_left.lat], [box.top_right.lon, box.top_right.lat]
    lo = [180.0, 90.0]
    hi = [-180.0, -90.0]
    for n in osmium.FileProcessor(path, osmium.osm.NODE):
        if n.location.valid():
            lo = [min(lo[0], n.location.lon), min(lo[1], n.location.lat)]
            hi = [max(hi[0], n.location.lon), max(hi[1], n.location.lat)]
    return lo, hi


# Two-way main streets (motorways and trunks are often one-way carriageways: joining one would
# let traffic across in one direction only).
MAIN = {"primary", "secondary", "tertiary"}


def edge_nodes(path, lo, hi):
    """Per side of the box (west, east, south, north), the main-road node nearest to it inside
    the box, with its position: where a copy is joined to its neighbour."""
    wanted = set()
    for w in osmium.FileProcessor(path, osmium.osm.WAY):
        if w.tags.get("highway") in MAIN and w.tags.get("oneway", "no") == "no":
            wanted.update(n.ref for n in w.nodes)
    best = {}
    for n in osmium.FileProcessor(path, osmium.osm.NODE):
        if n.id not in wanted or not n.location.valid():
            continue
        lon, lat = n.location.lon, n.location.lat
        if not (lo[0] <= lon <= hi[0] and lo[1] <= lat <= hi[1]):
            continue
        for side, d in (
            ("w", lon - lo[0]),
            ("e", hi[0] - lon),
            ("s", lat - lo[1]),
            ("n", hi[1] - lat),
        ):
            if side not in best or d < best[side][0]:
                best[side] = (d, n.id)
    return {side: node for side, (_, node) in best.items()}


def max_ids(path):
    top = [0, 0, 0]
    for o in osmium.FileProcessor(path):
        kind = 0 if o.is_node() else 1 if o.is_way() else 2
        top[kind] = max(top[kind], o.id)
    return [t + 1 for t in top]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="layers/neubrandenburg-2016.osm.pbf")
    ap.add_argument("--k", type=int, help="copies along each side (K×K)")
    ap.add_argument("--kx", type=int, help="copies west to east (with --ky)")
    ap.add_argument("--ky", type=int, help="copies south to north (with --kx)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    kx, ky = (args.k, args.k) if args.k else (args.kx, args.ky)
    if not kx or not ky:
        ap.error("give --k, or --kx and --ky")
    start = time.time()
    lo, hi = bounds(args.src)
    # A small gap between copies keeps their roads apart.
    width = (hi[0] - lo[0]) * 1.002
    height = (hi[1] - lo[1]) * 1.002
    step = max_ids(args.src)
    joins = edge_nodes(args.src, lo, hi)
    writer = osmium.SimpleWriter(args.out, overwrite=True)
    members_kind = {"n": 0, "w": 1, "r": 2}
    # Nodes of every copy first, then ways, then relations: the order a PBF reader expects.
    for pass_kind in ("n", "w", "r"):
        for copy in range(kx * ky):
            i, j = copy % kx, copy // kx
            dlon, dlat = i * width, j * height
            off = [copy * s for s in step]
            kinds = {"n": osmium.osm.NODE, "w": osmium.osm.WAY, "r": osmium.osm.RELATION}
            for o in osmium.FileProcessor(args.src, kinds[pass_kind]):
                if pass_kind == "n":
                    loc = o.location
                    writer.add_node(
                        o.replace(
                            id=o.id + off[0],
                            location=(loc.lon + dlon, loc.lat + dlat),
                        )
                    )
                elif pass_kind == "w":
                    writer.add_way(
                        o.replace(id=o.id + off[1], nodes=[n.ref + off[0] for n in o.nodes])
                    )
                else:
                    members = [
                        (m.type, m.ref + off[members_kind[m.type]], m.role) for m in o.members
                    ]
                    writer.add_relation(o.replace(id=o.id + off[2], members=members))
        if pass_kind == "w":
            # Join each copy to its east and north neighbours with a trunk road between their
            # main roads nearest the shared edge, so the city is one network (one strongly
            # connected component, as a real prefecture's is), not many islands.
            next_way = kx * ky * step[1]
            for copy in range(kx * ky):
                i, j = copy % kx, copy // kx
                for (di, dj, a, b) in ((1, 0, "e", "w"), (0, 1, "n", "s")):
                    if i + di >= kx or j + dj >= ky or a not in joins or b not in joins:
                        continue
                    other = (j + dj) * kx + (i + di)
                    writer.add_way(
                        osmium.osm.mutable.Way(
                            id=next_way,
                            nodes=[joins[a] + copy * step[0], joins[b] + other * step[0]],
                            tags={"highway": "trunk", "name": "Verbindungsstraße"},
                        )
                    )
                    next_way += 1
    writer.close()
    print(
        f"{args.out}: {kx}×{ky} copies of {args.src} in {time.time() - start:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
