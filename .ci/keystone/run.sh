#!/usr/bin/env bash
# A real OpenStack Keystone for the differential suite: installs keystone 30.0.0 and waitress
# (pinned by constraints.txt) into target/keystone-venv, bootstraps SQLite and fernet keys in
# target/ci/keystone, serves it on a free loopback port with the [security_compliance] options
# of security_compliance.conf, and runs `tests/tests/it/keystone.rs` (the same scenarios against
# the simulator and against this server).
#
#   bash .ci/keystone/run.sh          # from the repository root: start, test, stop (about a
#                                     # minute cold)
#   bash .ci/keystone/run.sh start    # start and return once it answers, leaving it running;
#                                     # its address goes to target/ci/keystone.env
#
# .ci/run uses start in the background while cargo compiles, runs the differential test in its
# one test run, and ends the server with the background job that started it.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:-all}
here=.ci/keystone
venv=target/keystone-venv
work=$PWD/target/ci/keystone
envfile=target/ci/keystone.env
admin_password='Admin-Passw0rd!' # the simulator's administrator (crates/pwchange-sim)
server=

show_logs() {
  for log in manage.log server.log keystone.log; do
    [ -s "$work/$log" ] && { echo "--- $log (tail) ---" >&2; tail -n 40 "$work/$log" >&2; }
  done
  return 0
}

start() {
  source .ci/venv.sh
  ensure_venv "$venv" "$here/constraints.txt" -c "$here/constraints.txt" keystone==30.0.0 waitress

  rm -rf "$work" "$envfile"
  mkdir -p "$work"
  # A free port below the ephemeral range (an outgoing connection cannot take it meanwhile).
  local port
  port=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randint(20000, 29999)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
)
  [ -n "$port" ] || { echo "error: no free loopback port in 20000-29999" >&2; return 1; }
  local url="http://127.0.0.1:$port"

  sed "s|@WORK@|$work|g" "$here/keystone.conf.in" >"$work/keystone.conf"
  manage() { "$venv/bin/keystone-manage" --config-file "$work/keystone.conf" "$@" >>"$work/manage.log" 2>&1; }
  local user group
  user=$(id -un)
  group=$(id -gn)
  manage db_sync
  manage fernet_setup --keystone-user "$user" --keystone-group "$group"
  manage credential_setup --keystone-user "$user" --keystone-group "$group"
  manage bootstrap --bootstrap-password "$admin_password" \
    --bootstrap-admin-url "$url/v3" --bootstrap-public-url "$url/v3" \
    --bootstrap-internal-url "$url/v3" --bootstrap-region-id RegionOne
  cat "$here/security_compliance.conf" >>"$work/keystone.conf"

  "$venv/bin/python" "$here/launch.py" "$work" "$port" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do
    if curl -fsS "$url/v3" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "error: Keystone exited while starting:" >&2
      show_logs
      return 1
    fi
    sleep 0.2
  done
  curl -fsS "$url/v3" >/dev/null || { echo "error: Keystone did not answer on $url" >&2; show_logs; return 1; }
  # Not PWCHANGE_KEYSTONE_*: that prefix is the facade's configuration (`Settings::from_env`),
  # and .ci/run runs every test in one pass with this environment.
  printf 'export PWCHANGE_REAL_KEYSTONE_URL=%s PWCHANGE_REAL_KEYSTONE_ADMIN_PASSWORD=%q\n' \
    "$url" "$admin_password" >"$envfile"
  echo "Keystone 30.0.0 on $url (pid $server)"
}

case $mode in
  start)
    start || { show_logs; exit 1; }
    ;;
  all)
    # `|| true`: the server ends by the signal (143), which errexit would make the script's status.
    trap 'status=$?; [ "$status" = 0 ] || show_logs; [ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }; exit $status' EXIT
    start
    # shellcheck disable=SC1090
    source "$envfile"
    cargo test --locked -p pwchange-contract-tests --test it -- --ignored keystone:: --nocapture
    ;;
  *) echo "usage: $0 [start]" >&2; exit 2 ;;
esac
