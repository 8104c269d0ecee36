#!/usr/bin/env python3
"""Real TAK peers for the bridge's end-to-end tests: pytak clients and receivers, and takproto
as the reference encoder. Driven by crates/onemap-cot/tests/tak_peers.rs (see scripts/tak.sh).

  encode FILE                      each line of FILE (CoT XML) as takproto's stream bytes, hex
  senders URL N SECONDS LON LAT [--proto] [--prefix P]
                                   N pytak clients, each reporting once a second
  receiver URL SECONDS OUT         a pytak receiver: every event it gets as a JSON line in OUT
  device URL SECONDS LON LAT UID   one pytak device reporting once a second (until killed)
"""

import asyncio
import json
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from configparser import ConfigParser

warnings.filterwarnings("ignore")

import pytak  # noqa: E402
import takproto  # noqa: E402


def encode(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            print(bytes(takproto.xml2proto(line, takproto.TAKProtoVer.STREAM)).hex())


def config(url, proto=False):
    c = ConfigParser()
    c["peer"] = {"COT_URL": url, "TAK_PROTO": "2" if proto else "0"}
    return c["peer"]


def position(uid, lon, lat, k):
    # A small circle around (lon, lat), about 100 m across.
    import math

    a = k * 0.1
    return pytak.gen_cot(
        lat=lat + 0.0005 * math.sin(a),
        lon=lon + 0.0008 * math.cos(a),
        ce=10,
        hae=50,
        le=10,
        uid=uid,
        stale=30,
        cot_type="a-f-G-U-C",
        callsign=f"Peer {uid}",
    )


async def one_sender(url, uid, seconds, lon, lat, proto, counts):
    q = asyncio.Queue()
    tx = await pytak.txworker_factory(q, config(url, proto))
    start = time.monotonic()
    for k in range(seconds):
        await tx.send_data(position(uid, lon, lat, k))
        counts[0] += 1
        delay = start + k + 1 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    w = tx.writer
    if hasattr(w, "drain"):
        await w.drain()
    if hasattr(w, "close"):
        w.close()


async def senders(url, n, seconds, lon, lat, proto, prefix):
    counts = [0]
    # Spread the starts over a second, as real devices are.
    async def staggered(i):
        await asyncio.sleep(i / max(n, 1))
        await one_sender(url, f"{prefix}{i}", seconds, lon, lat, proto, counts)

    await asyncio.gather(*(staggered(i) for i in range(n)))
    await asyncio.sleep(0.5)
    print(json.dumps({"sent": counts[0]}))


async def receiver(url, seconds, out):
    q = asyncio.Queue()
    reader, writer = await pytak.protocol_factory(config(url))
    rx = pytak.RXWorker(q, config(url), reader)
    # Identify, as a TAK client does: the server then sends what it holds of the picture.
    tx = pytak.TXWorker(asyncio.Queue(), config(url), writer)
    await tx.send_data(position("receiver-1", 13.2, 53.5, 0))
    end = time.monotonic() + seconds
    with open(out, "a", encoding="utf-8") as f:
        print("ready", flush=True)
        while time.monotonic() < end:
            try:
                data = await asyncio.wait_for(rx.readcot(), timeout=max(0.05, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if not data:
                await asyncio.sleep(0.01)
                continue
            now = time.time()
            try:
                e = ET.fromstring(data)
            except ET.ParseError:
                continue
            contact = e.find("detail/contact")
            link = e.find("detail/link")
            f.write(json.dumps({
                "at_ms": int(now * 1000),
                "uid": e.get("uid"),
                "type": e.get("type"),
                "time": e.get("time"),
                "callsign": contact.get("callsign") if contact is not None else None,
                "lat": float(e.find("point").get("lat")) if e.find("point") is not None else None,
                "lon": float(e.find("point").get("lon")) if e.find("point") is not None else None,
                "link": link.get("uid") if link is not None else None,
            }) + "\n")
            f.flush()


async def device(url, seconds, lon, lat, uid):
    counts = [0]
    await one_sender(url, uid, seconds, lon, lat, False, counts)


def main(argv):
    cmd = argv[1]
    if cmd == "encode":
        encode(argv[2])
    elif cmd == "senders":
        url, n, seconds, lon, lat = argv[2], int(argv[3]), int(argv[4]), float(argv[5]), float(argv[6])
        proto = "--proto" in argv
        prefix = argv[argv.index("--prefix") + 1] if "--prefix" in argv else "pytak-"
        asyncio.run(senders(url, n, seconds, lon, lat, proto, prefix))
    elif cmd == "receiver":
        asyncio.run(receiver(argv[2], float(argv[3]), argv[4]))
    elif cmd == "device":
        asyncio.run(device(argv[2], int(argv[3]), float(argv[4]), float(argv[5]), argv[6]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
