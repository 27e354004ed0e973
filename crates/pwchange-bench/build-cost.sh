#!/usr/bin/env bash
# Clean build time of each vendor crate alone and of the facade with all features, next to a
# minimal crate with only reqwest (rustls with ring, as the workspace builds it, json) + serde +
# tokio; and `cargo xtask codegen`.
# Each build uses a fresh target directory (dependencies downloaded beforehand, so network is
# not measured). Prints a Markdown table for BENCHMARKS.md.
#   bash crates/pwchange-bench/build-cost.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/minimal/src"
cat >"$work/minimal/Cargo.toml" <<'TOML'
[package]
name = "minimal"
version = "0.0.0"
edition = "2024"
[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "query", "rustls-no-provider"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
[workspace]
TOML
echo 'fn main() {}' >"$work/minimal/src/main.rs"
cargo fetch --quiet --manifest-path "$work/minimal/Cargo.toml"
cargo fetch --quiet

seconds() { # command...
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

base=$(CARGO_TARGET_DIR="$work/t-minimal" seconds cargo build --release --manifest-path "$work/minimal/Cargo.toml")
echo "| crate (release, clean) | seconds | ratio to minimal |"
echo "|---|---|---|"
printf '| minimal reqwest + serde + tokio | %.1f | 1.00 |\n' "$base"
for spec in $(cargo xtask vendors --crates) pwchange; do
  t=$(CARGO_TARGET_DIR="$work/t-$spec" seconds cargo build --release --locked -p "$spec")
  printf '| %s | %.1f | %.2f |\n' "$spec" "$t" "$(echo "$t / $base" | bc -l)"
done
cargo build --quiet --locked -p xtask
t=$(seconds cargo xtask codegen)
printf '\n`cargo xtask codegen` (xtask already built, every spec): %.2f s\n' "$t"
