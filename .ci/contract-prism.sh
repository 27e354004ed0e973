#!/usr/bin/env bash
# External contract checks with Stoplight Prism (pinned in package-lock.json):
#   proxy mode: Prism (--errors) in front of each simulator; the facade's contract suite runs
#               through it; Prism rejects any request or response that breaks the spec.
#   mock mode:  Prism serves each spec's examples; the generated clients must decode them.
# Loopback only, free ports. Needs `npm ci` done.
#
#   bash .ci/contract-prism.sh          # start, run the ignored prism_ tests, check, stop
#   bash .ci/contract-prism.sh start    # start and return once every Prism listens, leaving
#                                       # them running; the ports go to target/ci/prism.env
#   bash .ci/contract-prism.sh check    # after the tests: every log free of violations
#
# .ci/run uses start and check around its one test run (the prism_ tests are ignored ones);
# it ends the Prism processes with the background job that started them.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
logs=target/ci/prism
envfile=target/ci/prism.env

# Prism itself, not through npx: npx's child would outlive the `kill` of npx's pid, and every
# run would leave nine node processes behind.
prism=./node_modules/.bin/prism
pids=()

# A free port below the kernel's ephemeral range (a port the kernel hands out for bind to 0 can
# be taken again by any outgoing connection, Prism's own, before the simulator binds it), and
# none this script picked before. Sets the variable named by $1 (no subshell: `picked` must
# persist).
picked=""
free_port() {
  local port
  port=$(PICKED="$picked" python3 - <<'PY'
import os, random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
picked = set(os.environ["PICKED"].split())
while True:
    port = random.randint(max(1024, low - 12000), low - 1)
    if str(port) in picked:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
PY
)
  picked="$picked $port"
  printf -v "$1" '%s' "$port"
}

wait_for() { # url log
  for _ in $(seq 1 120); do
    if grep -q "Prism is listening" "$2" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "error: Prism did not start for $1; its log:" >&2
  cat "$2" >&2
  return 1
}

start() {
  mapfile -t vendors < <(cargo xtask vendors)
  rm -rf "$logs" "$envfile" "$envfile.tmp"
  mkdir -p "$logs"
  for v in "${vendors[@]}"; do
    upper=$(echo "$v" | tr a-z A-Z)
    free_port sim_port; free_port proxy_port; free_port mock_port
    "$prism" proxy "specs/$v.yaml" "http://127.0.0.1:$sim_port" --errors -h 127.0.0.1 -p "$proxy_port" >"$logs/proxy-$v.log" 2>&1 &
    pids+=($!)
    "$prism" mock "specs/$v.yaml" -h 127.0.0.1 -p "$mock_port" >"$logs/mock-$v.log" 2>&1 &
    pids+=($!)
    {
      echo "export PWCHANGE_SIM_PORT_$upper=$sim_port"
      echo "export PWCHANGE_PRISM_PROXY_$upper=http://127.0.0.1:$proxy_port"
      echo "export PWCHANGE_PRISM_MOCK_$upper=http://127.0.0.1:$mock_port"
    } >>"$envfile.tmp"
  done
  # One more proxy for the deliberately broken response (first vendor); its log must show the violation.
  broken_vendor=${vendors[0]}
  free_port broken_sim; free_port broken_proxy
  "$prism" proxy "specs/$broken_vendor.yaml" "http://127.0.0.1:$broken_sim" --errors -h 127.0.0.1 -p "$broken_proxy" >"$logs/broken.log.txt" 2>&1 &
  pids+=($!)
  echo "export PWCHANGE_SIM_PORT_BROKEN=$broken_sim PWCHANGE_PRISM_PROXY_BROKEN=http://127.0.0.1:$broken_proxy PWCHANGE_PRISM_BROKEN_VENDOR=$broken_vendor" >>"$envfile.tmp"
  wait_for "broken proxy" "$logs/broken.log.txt"
  for v in "${vendors[@]}"; do
    wait_for "$v proxy" "$logs/proxy-$v.log"
    wait_for "$v mock" "$logs/mock-$v.log"
  done
  # Written whole once every Prism listens: its presence means "ready".
  mv "$envfile.tmp" "$envfile"
  echo "Prism: $(( ${#vendors[@]} * 2 + 1 )) processes listening; ports in $envfile"
}

run_tests() {
  # The ignored tests named prism_*: the suite through each proxy (tests/tests/it/prism_proxy.rs)
  # and each vendor crate's client against its mock (crates/pwchange-<vendor>/tests/it/prism_mock.rs).
  # shellcheck disable=SC1090
  source "$envfile"
  cargo test --locked --workspace -- --ignored prism_ --test-threads=1
}

check() {
  local status=0 log bad warnings
  # Prism logs every violation. Errors fail the run; the only warning allowed is an undeclared
  # status, which the specs list per operation in x-pwchange-undocumented-statuses.
  for log in "$logs"/*.log; do
    bad=$(grep -E "Violation|✖" "$log" | grep -v "Unable to match the returned status code" || true)
    if [ -n "$bad" ]; then
      echo "error: Prism reported contract violations in $(basename "$log"):" >&2
      echo "$bad" >&2
      status=1
    fi
  done
  if ! grep -q "errors#VIOLATIONS" "$logs/broken.log.txt"; then
    echo "error: Prism did not report the deliberately broken response" >&2
    status=1
  fi
  [ "$status" = 0 ] || return "$status"
  warnings=$(cat "$logs"/proxy-*.log | grep -c "Unable to match the returned status code" || true)
  echo "Prism: no contract violations; $warnings response(s) with an undeclared status (declared in x-pwchange-undocumented-statuses)"
  return 0
}

case $mode in
  start) start ;;
  check) check ;;
  all)
    trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
    start
    status=0
    run_tests || status=$?
    check || status=1
    exit $status
    ;;
  *) echo "usage: $0 [start|check]" >&2; exit 2 ;;
esac
