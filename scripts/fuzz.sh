#!/usr/bin/env bash
# Fuzz the wire decoder and the command parser (fuzz/fuzz_targets/wire.rs) and the CoT reader
# (fuzz/fuzz_targets/cot.rs) and the layer files, patrol routes included
# (fuzz/fuzz_targets/layers.rs) with libFuzzer on
# stable Rust (cargo-fuzz without a sanitizer). New finds go to target/fuzz-new; the kept
# corpora (fuzz/corpus/wire, fuzz/corpus/cot, fuzz/corpus/layers) are read, and replayed by `cargo test` on every run.
#   scripts/fuzz.sh                 10 seconds each (what CI runs)
#   scripts/fuzz.sh -runs=10000000  ten million executions
# Needs: cargo install cargo-fuzz --locked
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-max_total_time=10)
mkdir -p ../target/fuzz-new
for target in wire cot layers; do
  mkdir -p "../target/fuzz-new/$target"
  echo "fuzz: $target"
  cargo fuzz run -s none -O "$target" "../target/fuzz-new/$target" "corpus/$target" -- \
    -max_len=4096 "${args[@]}" 2>&1 |
    grep -E '^Done|^#[0-9]+ +DONE|panicked|ERROR|SUMMARY|Test unit written' || true
  test "${PIPESTATUS[0]}" -eq 0
done
