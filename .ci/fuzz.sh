#!/usr/bin/env bash
# Bounded fuzzing (libFuzzer, through libfuzzer-sys) of the facade's response decoding and error
# mapping (with the protobuf reader of Connect error details) and of its input validation.
# Stable toolchain, no sanitizer, dev profile: the point in
# CI is "no panic, no hang" over a few thousand inputs per target, not a long campaign.
#
# It builds the targets as `cargo fuzz run --dev -s none <target>` (cargo-fuzz 0.13.2) does, with
# the same flags, with three differences:
# - cargo-fuzz is not installed (a 35-second compile on a fresh machine);
# - the flags instrument this project's crates and the targets, not the dependencies
#   (.ci/fuzz-rustc.sh, a RUSTC_WRAPPER; cargo-fuzz passes them in RUSTFLAGS, to every crate):
#   coverage inside tokio or serde_json steers nothing in our code, and the runs are 3x faster;
# - the build directory is the workspace's target/ (no --target <triple>), where `cargo package`
#   built the facade's dependencies with the same features and profile just before in .ci/run
#   (fuzz/Cargo.lock pins the same versions as Cargo.lock): only this project's crates,
#   libfuzzer-sys and the targets are compiled here. Our crates' artifacts cannot be taken for
#   another build's: in the main workspace they are members, with line tables (another profile),
#   and `cargo package` builds them from their packaged copies (another package).
# A long run, with cargo-fuzz: cargo +nightly fuzz run <target> fuzz/corpus/<target>
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

targets=(vendor_answers validation protobuf_fields)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/../target}
# cargo-fuzz 0.13.2's flags for `--dev -s none` on Linux (src/project.rs, `Project::cargo`).
export FUZZ_RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions"
export RUSTC_WRAPPER=$PWD/../.ci/fuzz-rustc.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --locked: the fuzz workspace's own lock file lags when the facade's dependencies change, and
# a build would rewrite it.
bins=()
for target in "${targets[@]}"; do bins+=(--bin "$target"); done
if ! cargo build --locked "${bins[@]}" 2>"$work/build.log"; then
  cat "$work/build.log" >&2
  if grep -q -- "--locked" "$work/build.log"; then
    echo "error: fuzz/Cargo.lock is out of date: run \`cargo update --workspace --manifest-path fuzz/Cargo.toml\` and commit it" >&2
  fi
  exit 1
fi

# The targets run side by side (each is one thread); -timeout: one input taking more than 10 s
# is a hang. A crash's input goes to fuzz/artifacts/<target>/, as with cargo-fuzz.
pids=()
for target in "${targets[@]}"; do
  cp -r "corpus/$target" "$work/$target"
  mkdir -p "artifacts/$target"
  "$CARGO_TARGET_DIR/debug/$target" -artifact_prefix="artifacts/$target/" \
    -runs=20000 -max_total_time=90 -timeout=10 "$work/$target" >"$work/$target.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  if ! wait "${pids[$i]}"; then
    echo "error: fuzz target $target failed (its input is in fuzz/artifacts/$target/):" >&2
    tail -n 60 "$work/$target.log" >&2
    status=1
    continue
  fi
  rmdir "artifacts/$target" 2>/dev/null || true
  echo "fuzz $target: $(grep -E '^Done' "$work/$target.log" | tail -n 1)"
done
rmdir artifacts 2>/dev/null || true
exit $status
