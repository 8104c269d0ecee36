#!/usr/bin/env bash
# WebSocket conformance: the Autobahn TestSuite's cases, run by kosoku (PyPI), against
# `onemap-feed echo`, which serves with exactly the feed's WebSocket settings.
#
# Excluded, on purpose: 9.1.2-6, 9.2.2-6 and 9.3-9.6 send single messages of 256 KiB to
# 16 MiB, over the feed's 64 KiB limit (the server closes with 1009, as it should);
# 12.* and 13.* are permessage-deflate, which the feed does not offer (compressing frames
# that carry tokens invites CRIME-style attacks). Every other case must pass.
#
# Needs: python3 with venv. KOSOKU=path/to/kosoku to use an installed one.
set -euo pipefail
cd "$(dirname "$0")/.."

KOSOKU="${KOSOKU:-}"
if [ -z "$KOSOKU" ]; then
  venv="${AUTOBAHN_VENV:-${CARGO_TARGET_DIR:-target}/autobahn-venv}"
  if [ ! -x "$venv/bin/kosoku" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q kosoku
  fi
  KOSOKU="$venv/bin/kosoku"
fi

# The dev build: after `cargo test` it is already there (speed does not matter here).
cargo build -q --locked -p onemap-feed
bin="${CARGO_TARGET_DIR:-target}/debug/onemap-feed"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" echo --addr "127.0.0.1:$port" 2>/dev/null &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
  sleep 0.1
done

out=$(mktemp -d)
set +e
"$KOSOKU" "127.0.0.1:$port" -p 2 -o "$out" \
  $(for k in 2 3 4 5 6; do printf -- '-x 9.1.%s -x 9.2.%s ' "$k" "$k"; done) \
  -x '9.3.*' -x '9.4.*' -x '9.5.*' -x '9.6.*' \
  -x '12.*' -x '13.*' 2>&1 | tail -n 3
status=${PIPESTATUS[0]}
set -e
python3 - "$out" <<'PY'
import json, pathlib, sys
results = [json.loads(p.read_text()) for p in pathlib.Path(sys.argv[1]).glob("*.json")]
results = [r for r in results if isinstance(r, dict) and "id" in r]
bad = [r["id"] for r in results if r.get("behavior") not in ("OK", "INFORMATIONAL", "NON-STRICT")
       or r.get("behaviorClose") not in ("OK", "INFORMATIONAL")]
print(f"autobahn: {len(results)} cases, {len(bad)} failed {' '.join(sorted(bad))}")
sys.exit(1 if bad or not results else 0)
PY
exit "$status"
