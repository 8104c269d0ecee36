#!/usr/bin/env python3
"""An AVL (vehicle location) gateway for the OneMap live feed, from docs/protocol.md alone.

    pip install websockets
    onemap-feed token create --db feed.sqlite --name avl --role gateway --out avl.token
    tail -f /var/log/trackers.csv | \
        ONEMAP_TOKEN=$(cat avl.token) python3 examples/avl_gateway.py ws://127.0.0.1:9400

Reads one fix per line on standard input, as your trackers' server can write them:

    unit_id,call_sign,kind,lon,lat,heading_deg,speed_kmh[,fix_unix_ms]

(`kind`: patrol_car, motorbike, foot_patrol, ebike_volunteer or drone; no time: now.) A unit
is signed on at its first fix and reported after that. Every command carries a request_id and
a deadline; each answer is printed, and a refusal names the field and the reason (a fix outside
the served area, older than the unit's last, more than 5 a second). A lost connection is
reopened with backoff; fixes read meanwhile are not queued (stale positions would mislead),
the newest is sent after reconnecting. Lines that cannot be read are reported with their
number and skipped.
"""
import asyncio
import json
import os
import sys
import time
import uuid

import websockets

KINDS = {"patrol_car", "motorbike", "foot_patrol", "ebike_volunteer", "drone"}


def parse(line_no, line):
    """A fix from one line, or None (with the reason on stderr)."""
    parts = [p.strip() for p in line.strip().split(",")]
    if len(parts) not in (7, 8):
        print(f"line {line_no}: expected 7 or 8 fields, got {len(parts)}", file=sys.stderr)
        return None
    unit, call_sign, kind = parts[0], parts[1], parts[2]
    if kind not in KINDS:
        print(f"line {line_no}: kind {kind!r} is not one of {sorted(KINDS)}", file=sys.stderr)
        return None
    try:
        lon, lat, heading, speed = (float(p) for p in parts[3:7])
        fix = int(parts[7]) if len(parts) == 8 else int(time.time() * 1000)
    except ValueError as e:
        print(f"line {line_no}: {e}", file=sys.stderr)
        return None
    return unit, call_sign, kind, [lon, lat], heading % 360.0, max(speed, 0.0), fix


def command(kind, body):
    return json.dumps({"v": 2, "kind": kind, "request_id": f"avl-{uuid.uuid4()}",
                       "not_after": int(time.time() * 1000) + 10_000, "body": body})


async def run(url, token, lines):
    backoff = 0.25
    signed_on = set()
    while True:
        try:
            async with websockets.connect(
                    url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
                await ws.send(json.dumps({"v": 2, "kind": "hello",
                                          "body": {"last_seq": 0, "client": "avl-gateway"}}))
                backoff = 0.25
                asyncio.create_task(answers(ws))
                while True:
                    fix = await lines.get()
                    if fix is None:
                        await asyncio.sleep(1.0)  # let the last answers arrive
                        return
                    unit, call_sign, kind, position, heading, speed, fix_ms = fix
                    if unit not in signed_on:
                        await ws.send(command("sign_on", {
                            "unit_id": unit, "call_sign": call_sign, "kind": kind,
                            "position": position, "fix_at_ms": fix_ms}))
                        signed_on.add(unit)
                    await ws.send(command("report_position", {
                        "unit_id": unit, "position": position, "heading_deg": heading,
                        "speed_kmh": speed, "fix_at_ms": fix_ms}))
        except (OSError, websockets.ConnectionClosed) as e:
            print(f"connection lost ({e}); again in {backoff:.2f} s", file=sys.stderr)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
            while lines.qsize() > 1:  # only the newest fix is still worth sending
                lines.get_nowait()


async def answers(ws):
    async for text in ws:
        msg = json.loads(text)
        kind, body = msg["kind"], msg["body"]
        if kind == "welcome":
            print(f"signed in as {body['name']} ({body['role']})", flush=True)
        elif kind == "command_result":
            if body["ok"]:
                print(f"ok: {body['message']}", flush=True)
            else:
                print(f"refused: {body['message']}", flush=True)
        elif kind == "error":
            print(f"error: {body['code']}: {body['message']}", flush=True)


async def read_stdin(lines):
    loop = asyncio.get_running_loop()
    line_no = 0
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            await lines.put(None)
            return
        line_no += 1
        if line.strip() and not line.startswith("#"):
            fix = parse(line_no, line)
            if fix:
                await lines.put(fix)


async def main(url):
    token = os.environ.get("ONEMAP_TOKEN", "")
    if not token:
        sys.exit("set ONEMAP_TOKEN to a gateway token (onemap-feed token create --role gateway)")
    lines = asyncio.Queue(maxsize=1000)
    await asyncio.gather(read_stdin(lines), run(url, token, lines))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:9400"))
