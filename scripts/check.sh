#!/usr/bin/env bash
# Exactly what CI runs: formatting, lints, then every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
