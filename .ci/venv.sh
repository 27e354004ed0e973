# Sourced by the CI scripts. ensure_venv DIR PINS PIP_ARGS...: a Python venv in DIR (under
# target/, so `cargo clean` removes it and git never sees it) with PIP_ARGS installed. It is
# reused while the pin file PINS and PIP_ARGS are unchanged (a stamp of their sha256 in DIR)
# and rebuilt otherwise, so a changed pin never runs against the old install.
ensure_venv() {
  local venv=$1 pins=$2
  shift 2
  local stamp
  stamp=$({ cat "$pins"; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$venv/.pins-sha256" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # --no-compile: no bytecode for all of every package up front (Python compiles, and
    # caches in the venv, what a tool imports); the install runs beside cargo's build.
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-compile "$@"
    echo "$stamp" >"$venv/.pins-sha256"
  fi
}
