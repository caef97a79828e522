#!/usr/bin/env bash
# Fetch PostgreSQL (Debian's postgresql-15 + libpq5) into the peers cache, with a private
# apt configuration: the system's apt sources are never touched, nothing is installed
# system-wide and no cluster is created here. The tests (test/lib/postgres.ts) initdb a
# throwaway cluster in a temp dir, on a free loopback port, and stop it at teardown.
# The packages come from the machine's own Debian release (the server links against its
# libc, libssl, libicu...), so the lists are the same private lists install-softhsm.sh uses.
#
# Output: $SIGSTACK_PEERS (default ${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers)/
#   postgres/usr/lib/postgresql/15/bin/{initdb,postgres,pg_ctl,psql}
#   postgres/usr/lib/x86_64-linux-gnu/libpq.so.5    (LD_LIBRARY_PATH for psql; the server needs none)
#   postgres/usr/share/postgresql/15                (share dir: initdb finds it next to bin/)
# Re-running is cheap: an unpacked server is kept.
set -euo pipefail

D=${SIGSTACK_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers}
PG_MAJOR=15
ROOT=$D/postgres
BIN=$ROOT/usr/lib/postgresql/$PG_MAJOR/bin
if [ -x "$BIN/initdb" ] && [ -x "$BIN/postgres" ] && [ "${1:-}" != "--force" ]; then
  echo "postgres: cached in $ROOT"
  exit 0
fi

. "$(dirname "$0")/lib/private-apt.sh"
private_apt_init postgres
# postgresql-15: server, initdb, pg_ctl; -client-15: psql (debugging); libpq5: psql's
# library; libllvm is only for JIT, which the tests leave off (jit = off).
rm -rf "$D/debs/postgres" && mkdir -p "$D/debs/postgres"
(cd "$D/debs/postgres" && apt-get "${A[@]}" -q download "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR" libpq5 >/dev/null)
rm -rf "$ROOT" && mkdir -p "$ROOT"
for f in "$D/debs/postgres/"*.deb; do dpkg -x "$f" "$ROOT"; done
[ -x "$BIN/initdb" ] || { echo "postgres: $BIN/initdb missing after unpacking" >&2; exit 1; }
# The server's shared libraries must be the machine's own (libicu, libssl, libxml2, ...):
# a missing one is named here instead of failing later inside a test.
for exe in postgres initdb; do
  missing=$(LD_LIBRARY_PATH="$ROOT/usr/lib/x86_64-linux-gnu" ldd "$BIN/$exe" | grep 'not found' || true)
  [ -z "$missing" ] || { echo "postgres: $exe has unresolved libraries: $missing" >&2; exit 1; }
done
echo "postgres: ready: $BIN ($("$BIN/postgres" --version))"
