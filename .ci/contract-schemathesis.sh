#!/usr/bin/env bash
# schemathesis (pinned in .ci/requirements-contract.txt, installed in target/schemathesis-venv)
# against the vendor simulators: generated valid and invalid requests per spec, bounded in count
# and time. It runs in target/schemathesis, where schemathesis and hypothesis keep their caches.
#
# Checks run: not_a_server_error, content_type_conformance, response_headers_conformance,
# response_schema_conformance, negative_data_rejection. Two are excluded on purpose:
#   positive_data_acceptance: a password API refuses schema-valid requests with a wrong current
#     password or a weak new one; that is its job, not a contract break.
#   status_code_conformance: the specs list statuses with undocumented bodies per operation in
#     x-pwchange-undocumented-statuses, which schemathesis does not read; the simulator's own
#     contract check enforces that list instead.
#
#   bash .ci/contract-schemathesis.sh           # install (if the pin changed) and run
#   bash .ci/contract-schemathesis.sh install   # only install (.ci/run, in the background)
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/venv.sh
venv=$PWD/target/schemathesis-venv
ensure_venv "$venv" .ci/requirements-contract.txt -r .ci/requirements-contract.txt
[ "${1:-}" = install ] && exit 0
specs=$PWD/specs
mkdir -p target/schemathesis

# The simulator binary as the workspace's test build makes it (the same features, so after the
# test step this builds nothing; `cargo build -p pwchange-sim` would resolve features anew).
cargo test --locked --quiet --workspace --no-run
out=$(mktemp)
# Each simulator binds a port of the kernel's choosing and prints it (consecutive ports from a
# free one raced with other listeners and outgoing connections: "Address already in use").
./target/debug/pwchange-sim --vendor all >"$out" 2>&1 &
sim=$!
trap 'kill -INT $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT
mapfile -t vendors < <(cargo xtask vendors)
started() { for v in "${vendors[@]}"; do grep -q "^$v " "$out" || return 1; done; }
for _ in $(seq 1 50); do started && break; sleep 0.2; done
sleep 0.2 # the indented lines follow each vendor's line

# The vendors run side by side (each run mostly waits on its requests), each into its own log,
# printed in order when all are done.
pids=()
for v in "${vendors[@]}"; do
  line=$(grep "^$v " "$out") || { echo "error: the $v simulator did not start:" >&2; cat "$out" >&2; exit 1; }
  url=$(echo "$line" | grep -o "http://127.0.0.1:[0-9]*")
  token=$(echo "$line" | grep -o "token=[^ ]*" | cut -d= -f2)
  headers=(-H "Authorization: Bearer $token")
  # The headers a raw client needs, as the simulator prints them after its line
  # ("header=Name: value" on the indented lines up to the next vendor's line).
  while IFS= read -r header; do
    headers+=(-H "$header")
  done < <(awk -v v="$v" '$1 == v {inside=1; next} /^[^ ]/ {inside=0} inside && /header=/ {sub(/^ *header=/, ""); print}' "$out")
  (cd target/schemathesis && echo "--- schemathesis: $v ($url)" && timeout 300 "$venv/bin/st" run \
    "$specs/$v.yaml" --url "$url" "${headers[@]}" --max-examples 25 --seed 20261122 \
    --request-timeout 5 --exclude-checks positive_data_acceptance,status_code_conformance \
    --no-color) >"target/schemathesis/$v.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!vendors[@]}"; do
  wait "${pids[$i]}" || status=$?
  cat "target/schemathesis/${vendors[$i]}.log"
done
exit $status
