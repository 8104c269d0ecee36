#!/usr/bin/env bash
# How cost grows with the city: the demo extract tiled 1×, 10× (5×2) and 100× (10×10), and for
# each the start-up phases (`onemap bench --only startup`), then the real console opened cold
# (empty caches) and warm (second start) under a display, with the time to its first complete
# frame and its resident memory then and at its peak.
#
#   bench/scale.sh            # needs python3 (a venv with pyosmium is made in /tmp) and a
#                             # display: set DISPLAY, or have Xvfb installed
# Figures, not assertions: the machine is shared and noisy. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${SCALE_DIR:-/tmp/onemap-scale}
mkdir -p "$WORK"
cargo build --release -q -p onemap
BIN=$PWD/target/release/onemap
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q osmium
fi
[ -f "$WORK/city-10x.osm.pbf" ] || "$WORK/venv/bin/python" bench/scale_city.py --kx 5 --ky 2 --out "$WORK/city-10x.osm.pbf"
[ -f "$WORK/city-100x.osm.pbf" ] || "$WORK/venv/bin/python" bench/scale_city.py --k 10 --out "$WORK/city-100x.osm.pbf"
if [ -z "${DISPLAY:-}" ]; then
  Xvfb :97 -screen 0 1920x1080x24 >/dev/null 2>&1 &
  XVFB=$!
  trap 'kill $XVFB' EXIT
  export DISPLAY=:97
  sleep 1
fi

# Open the console, wait for its first complete frame, report time and memory, close it.
console() {
  local log=$WORK/console.log peak=0 at_frame=""
  "$BIN" "$@" --no-alert-sound >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    sleep 0.5
    local rss
    rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || true)
    [ -z "$rss" ] && break
    [ "$rss" -gt "$peak" ] && peak=$rss
    if [ -z "$at_frame" ] && grep -q "first complete map frame" "$log"; then
      at_frame=$rss
      # Let it settle: the graph and the simulator start after the first frame, and a first
      # start writes the graph and the sample layers to the cache.
      sleep 10
      for _ in $(seq 1 120); do
        ls "$WORK"/cache/*.tmp* >/dev/null 2>&1 || break
        sleep 1
      done
      rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0)
      [ "$rss" -gt "$peak" ] && peak=$rss
      break
    fi
  done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  local frame
  frame=$(grep -o "first complete map frame [0-9.]* s" "$log" | grep -o "[0-9.]* s" || echo "none")
  echo "    first complete frame $frame; rss at it $((${at_frame:-0} / 1024)) MiB, peak $((peak / 1024)) MiB"
}

for city in layers/neubrandenburg-2016.osm.pbf "$WORK/city-10x.osm.pbf" "$WORK/city-100x.osm.pbf"; do
  echo "== $city ($(du -h "$city" | cut -f1))"
  "$BIN" bench --only startup --osm "$city" | sed 's/^/  /'
  rm -rf "$WORK/cache" "$WORK/tiles"
  echo "  console, cold (no prepared city, no tiles):"
  console --osm "$city" --cache "$WORK/cache" --tile-cache "$WORK/tiles"
  echo "  console, warm (second start):"
  console --osm "$city" --cache "$WORK/cache" --tile-cache "$WORK/tiles"
  du -b "$WORK"/cache/* | awk '{printf "    cache %s: %.1f MB\n", $2, $1 / 1e6}'
done
