#!/usr/bin/env bash
# Fetch SoftHSM2 (Debian's softhsm2 + libsofthsm2) into the peers cache, with a private apt
# configuration: the system's apt sources are never touched and nothing is installed
# system-wide. The packages come from the machine's own Debian release (a C++ library
# must match its libc and libstdc++), so the lists are separate from install-peers.sh's.
#
# Output: $SIGSTACK_PEERS (default ${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers)/
#   softhsm/usr/lib/softhsm/libsofthsm2.so   the PKCS#11 module the HSM tests load
#   bin/softhsm2-util                        (needs SOFTHSM2_CONF: every test makes its own)
# Re-running is cheap: an unpacked module is kept.
set -euo pipefail

D=${SIGSTACK_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers}
ROOT=$D/softhsm
LIB=$ROOT/usr/lib/softhsm/libsofthsm2.so
if [ -f "$LIB" ] && [ -x "$D/bin/softhsm2-util" ] && [ "${1:-}" != "--force" ]; then
  echo "softhsm: cached in $ROOT"
  exit 0
fi

. "$(dirname "$0")/lib/private-apt.sh"
private_apt_init softhsm
mkdir -p "$D/bin"
rm -rf "$D/debs/softhsm" && mkdir -p "$D/debs/softhsm"
(cd "$D/debs/softhsm" && apt-get "${A[@]}" -q download softhsm2 libsofthsm2 softhsm2-common >/dev/null)
rm -rf "$ROOT" && mkdir -p "$ROOT"
for f in "$D/debs/softhsm/"*.deb; do dpkg -x "$f" "$ROOT"; done
[ -f "$LIB" ] || { echo "softhsm: $LIB missing after unpacking" >&2; exit 1; }
# Its shared libraries (libssl3, libsqlite3, libstdc++) are the machine's own.
missing=$(ldd "$LIB" | grep 'not found' || true)
[ -z "$missing" ] || { echo "softhsm: unresolved libraries: $missing" >&2; exit 1; }
ln -sf "$ROOT/usr/bin/softhsm2-util" "$D/bin/softhsm2-util"
echo "softhsm: ready: $LIB"
