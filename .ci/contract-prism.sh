#!/usr/bin/env bash
# External contract checks with Stoplight Prism (pinned in package-lock.json):
#   proxy mode: Prism (--errors) in front of each simulator; the facade's contract suite runs
#               through it; Prism rejects any request or response that breaks the spec.
#   mock mode:  Prism serves each spec's examples; the generated clients must decode them.
# Loopback only, free ports, every process stopped on exit. Needs `npm ci` done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Prism itself, not through npx: npx's child would outlive the `kill` of npx's pid, and every
# run would leave nine node processes behind.
prism=./node_modules/.bin/prism
logs=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
echo "Prism logs: $logs"

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

mapfile -t vendors < <(cargo xtask vendors)
for v in "${vendors[@]}"; do
  upper=$(echo "$v" | tr a-z A-Z)
  free_port sim_port; free_port proxy_port; free_port mock_port
  "$prism" proxy "specs/$v.yaml" "http://127.0.0.1:$sim_port" --errors -h 127.0.0.1 -p "$proxy_port" >"$logs/proxy-$v.log" 2>&1 &
  pids+=($!)
  "$prism" mock "specs/$v.yaml" -h 127.0.0.1 -p "$mock_port" >"$logs/mock-$v.log" 2>&1 &
  pids+=($!)
  export "PWCHANGE_SIM_PORT_$upper=$sim_port"
  export "PWCHANGE_PRISM_PROXY_$upper=http://127.0.0.1:$proxy_port"
  export "PWCHANGE_PRISM_MOCK_$upper=http://127.0.0.1:$mock_port"
done
# One more proxy for the deliberately broken response (first vendor); its log must show the violation.
broken_vendor=${vendors[0]}
free_port broken_sim; free_port broken_proxy
"$prism" proxy "specs/$broken_vendor.yaml" "http://127.0.0.1:$broken_sim" --errors -h 127.0.0.1 -p "$broken_proxy" >"$logs/broken.log.txt" 2>&1 &
pids+=($!)
export PWCHANGE_SIM_PORT_BROKEN=$broken_sim PWCHANGE_PRISM_PROXY_BROKEN=http://127.0.0.1:$broken_proxy PWCHANGE_PRISM_BROKEN_VENDOR=$broken_vendor
wait_for "broken proxy" "$logs/broken.log.txt"
for v in "${vendors[@]}"; do
  wait_for "$v proxy" "$logs/proxy-$v.log"
  wait_for "$v mock" "$logs/mock-$v.log"
done

status=0
# The ignored tests named prism_*: the suite through each proxy (tests/tests/prism_proxy.rs) and
# each vendor crate's client against its mock (crates/pwchange-<vendor>/tests/prism_mock.rs).
cargo test --locked --workspace -- --ignored prism_ --test-threads=1 || status=$?

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
warnings=$(cat "$logs"/proxy-*.log | grep -c "Unable to match the returned status code" || true)
echo "Prism: no contract violations; $warnings response(s) with an undeclared status (declared in x-pwchange-undocumented-statuses)"
exit $status
