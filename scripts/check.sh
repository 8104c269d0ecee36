#!/usr/bin/env bash
# Exactly what CI runs: formatting, lints, then every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# WebSocket conformance (Autobahn cases via kosoku), the TAK bridge against pytak, taky and
# takproto, and a short fuzzing run, when the tools are at hand (.ci/run installs them; see
# README).
if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  scripts/autobahn.sh
  scripts/tak.sh
else
  echo "check: skipped the WebSocket conformance cases and the TAK peers (no python3 with venv)" >&2
fi
if command -v cargo-fuzz >/dev/null; then
  scripts/fuzz.sh
else
  echo "check: skipped the short fuzzing run (cargo install cargo-fuzz --locked)" >&2
fi
