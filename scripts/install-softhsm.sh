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

. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
A_DIR=$D/apt-$codename
mkdir -p "$A_DIR/lists/partial" "$A_DIR/cache/archives/partial" "$D/debs" "$D/bin"
printf 'deb http://deb.debian.org/debian %s main\n' "$codename" > "$A_DIR/sources.list"
A=(-o "Dir::Etc::SourceList=$A_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
   -o "Dir::State::Lists=$A_DIR/lists" -o "Dir::Cache=$A_DIR/cache" -o APT::Sandbox::User=root
   -o Debug::NoLocking=1 -o Acquire::Retries=3)
if [ -z "$(find "$A_DIR/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  echo "softhsm: apt-get update (private lists in $A_DIR)"
  apt-get "${A[@]}" -q update >/dev/null
fi
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
