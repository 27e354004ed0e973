#!/usr/bin/env bash
# Bounded fuzzing (cargo-fuzz / libFuzzer) of the facade's response decoding and error mapping
# and of its input validation. Stable toolchain, no sanitizer (-s none), dev profile: the point
# in CI is "no panic, no hang" over a few thousand inputs per target, not a long campaign.
# A long run: cargo +nightly fuzz run <target> fuzz/corpus/<target>
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cargo fuzz has no --locked: check the fuzz workspace's own lock file first, or the build
# would rewrite it (it lags when the facade's dependencies change).
if ! cargo metadata --locked --format-version 1 >/dev/null 2>"$work/metadata.log"; then
  cat "$work/metadata.log" >&2
  echo "error: fuzz/Cargo.lock is out of date: run \`cargo update --workspace --manifest-path fuzz/Cargo.toml\` and commit it" >&2
  exit 1
fi
for target in vendor_answers validation; do
  cp -r "corpus/$target" "$work/$target"
  # -timeout: a single input taking more than 10 s is a hang.
  if ! cargo fuzz run --dev -s none "$target" "$work/$target" -- \
      -runs=20000 -max_total_time=90 -timeout=10 >"$work/$target.log" 2>&1; then
    echo "error: fuzz target $target failed:" >&2
    tail -n 60 "$work/$target.log" >&2
    exit 1
  fi
  echo "fuzz $target: $(grep -E '^Done' "$work/$target.log" | tail -n 1)"
done
