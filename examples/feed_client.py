#!/usr/bin/env python3
"""A third-party client of the OneMap live feed, written from docs/protocol.md alone.

    pip install websockets
    onemap-feed token create --db feed.sqlite --name python-viewer --role viewer --out viewer.token
    ONEMAP_TOKEN=$(cat viewer.token) python3 examples/feed_client.py ws://127.0.0.1:9400 [seconds]

Connects with the token in the hello (a viewer: callback numbers are never sent to it), says
who the server took it for, prints the snapshot's size and then every incident as it is
created or updated, and answers nothing else. Stops after `seconds`.
"""
import asyncio
import json
import os
import sys
import time

import websockets


async def main(url, seconds):
    last_seq = 0
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"v": 2, "kind": "hello",
                                  "body": {"last_seq": last_seq, "client": "python-example",
                                           "token": os.environ.get("ONEMAP_TOKEN", "")}}))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
            msg = json.loads(text)
            kind, body = msg["kind"], msg["body"]
            if msg["seq"] <= last_seq and kind != "snapshot":
                continue
            if kind == "welcome":
                print(f"signed in as {body['name']} ({body['role']})", flush=True)
            elif kind == "snapshot":
                print(f"snapshot at seq {msg['seq']}: {len(body['incidents'])} incidents, "
                      f"{len(body['units'])} units", flush=True)
                for i in body["incidents"]:
                    print(f"  {i['id']} P{i['priority']} {i['category']:<17} {i['status']:<10} {i['address']}")
            elif kind in ("incident_created", "incident_updated"):
                i = body
                units = ",".join(i["assigned_units"]) or "-"
                print(f"seq {msg['seq']}: {kind:<16} {i['id']} P{i['priority']} {i['category']:<17} "
                      f"{i['status']:<10} {i['address']} [{units}]", flush=True)
            elif kind == "error":
                print(f"error from server: {body['code']}: {body['message']}", flush=True)
                if body["code"] == "unauthorized":
                    return
            if kind in ("snapshot", "incident_created", "incident_updated", "incident_archived",
                        "unit_position", "unit_status", "unit_joined", "unit_removed"):
                last_seq = max(last_seq, msg["seq"])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:9400",
                     float(sys.argv[2]) if len(sys.argv) > 2 else 30.0))
