#!/usr/bin/env bash
# A real OpenStack Keystone for the differential suite: installs keystone 30.0.0 and waitress
# (pinned by constraints.txt) into target/keystone-venv, bootstraps SQLite and fernet keys in a
# temporary directory, serves it on a free loopback port with the [security_compliance]
# options of security_compliance.conf, runs `tests/tests/keystone.rs` (the same scenarios
# against the simulator and against this server), and stops the server by its PID.
#
#   bash .ci/keystone/run.sh            # from the repository root; about a minute cold
set -euo pipefail
cd "$(dirname "$0")/../.."
here=.ci/keystone
venv=target/keystone-venv
admin_password='Admin-Passw0rd!' # the simulator's administrator (crates/pwchange-sim)

source .ci/venv.sh
ensure_venv "$venv" "$here/constraints.txt" -c "$here/constraints.txt" keystone==30.0.0 waitress

work=$(mktemp -d)
server=
cleanup() {
  status=$?
  if [ "$status" -ne 0 ]; then
    # The temporary directory goes with this trap: show what went wrong first.
    for log in manage.log server.log keystone.log; do
      [ -s "$work/$log" ] && { echo "--- $log (tail) ---" >&2; tail -n 40 "$work/$log" >&2; }
    done
  fi
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free port below the ephemeral range (an outgoing connection cannot take it meanwhile).
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
[ -n "$port" ] || { echo "error: no free loopback port in 20000-29999" >&2; exit 1; }
url="http://127.0.0.1:$port"

sed "s|@WORK@|$work|g" "$here/keystone.conf.in" >"$work/keystone.conf"
manage() { "$venv/bin/keystone-manage" --config-file "$work/keystone.conf" "$@" >>"$work/manage.log" 2>&1; }
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
    cat "$work/server.log" "$work/keystone.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$url/v3" >/dev/null || { echo "error: Keystone did not answer on $url" >&2; exit 1; }
echo "Keystone 30.0.0 on $url (pid $server)"

PWCHANGE_KEYSTONE_REAL_URL="$url" PWCHANGE_KEYSTONE_REAL_ADMIN_PASSWORD="$admin_password" \
  cargo test --locked -p pwchange-contract-tests --test keystone -- --ignored --nocapture
