#!/usr/bin/env bash
# The standard `age` tool, Debian's package, pinned: the test that decrypts a journal entry
# with it (crates/pwchange-cli/tests/it/journal.rs) needs it. Installed only when that version
# is not already there.
set -euo pipefail
version=1.1.1-1+b3
if [ "$(dpkg-query -W -f='${Version}' age 2>/dev/null || true)" = "$version" ]; then
  exit 0
fi
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
install=("${sudo[@]}" apt-get install -y -qq --no-install-recommends "age=$version")
"${install[@]}" >/dev/null || { "${sudo[@]}" apt-get update -qq && "${install[@]}" >/dev/null; }
age --version
