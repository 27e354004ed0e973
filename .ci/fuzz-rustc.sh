#!/usr/bin/env bash
# The RUSTC_WRAPPER of .ci/fuzz.sh: cargo-fuzz's instrumentation flags ($FUZZ_RUSTFLAGS) for
# this project's crates and the fuzz targets only. The dependencies build as in any dev build:
# coverage inside serde_json or tokio steers nothing in our code, and instrumenting them made
# the build a third slower. Called as `fuzz-rustc.sh <rustc> <arguments>`; cargo's own queries
# (`rustc -vV`, `--print`) and build scripts pass through unchanged.
set -euo pipefail
rustc=$1
shift
case "${CARGO_PKG_NAME:-}:${CARGO_CRATE_NAME:-}" in
  pwchange*:build_script_*) ;;
  # shellcheck disable=SC2086 # the flags are words
  pwchange*:*) set -- "$@" $FUZZ_RUSTFLAGS ;;
esac
exec "$rustc" "$@"
