#!/usr/bin/env bash
# The TAK bridge against real peers from PyPI: pytak clients and receivers, a taky server and
# takproto as the reference encoder (crates/onemap-cot/tests/tak_peers.rs), on 127.0.0.1.
#
# Needs: python3 with venv. TAK_VENV=dir to keep the environment elsewhere.
# Scale for the acceptance figures (docs/benchmarks.md): ONEMAP_TAK_CLIENTS=200
# ONEMAP_TAK_SECONDS=60 ONEMAP_TAK_UNITS=500 ONEMAP_TAK_ECHO_SECONDS=600.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${TAK_VENV:-${CARGO_TARGET_DIR:-target}/tak-venv}"
if [ ! -x "$venv/bin/taky" ] || ! "$venv/bin/python" -c 'import pytak, takproto' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pytak==7.6.1 taky==0.10 takproto==3.0.1
fi
export ONEMAP_TAK_PYTHON
ONEMAP_TAK_PYTHON="$(cd "$venv" && pwd)/bin/python"
cargo test -q --locked -p onemap-cot --test tak_peers -- --ignored --test-threads 1 --nocapture \
  2>&1 | grep -v '^onemap-cot: '
exit "${PIPESTATUS[0]}"
