#!/usr/bin/env bash
# Fetch the real Sigstore clients (cosign 2.5 and 3.1, rekor-cli, sigstore-go, gitsign,
# crane, a registry, python TUF client) from Debian's archive into a cache outside the
# clone, with a private apt configuration: the system's apt sources are never touched.
#
# Output: $SIGSTACK_PEERS (default ${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers)/bin/
#   cosign2 cosign3 rekor-cli crane registry sigstore-go-* gitsign
# Re-running is cheap: packages already unpacked are skipped.
set -euo pipefail

D=${SIGSTACK_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/sigstack-peers}
BIN=$D/bin
mkdir -p "$D/apt/lists/partial" "$D/apt/cache/archives/partial" "$D/debs" "$D/root" "$BIN"

want=(cosign2 cosign3 rekor-cli crane registry)
missing=0
for b in "${want[@]}"; do [ -x "$BIN/$b" ] || missing=1; done
if [ "$missing" = 0 ] && [ "${1:-}" != "--force" ]; then
  echo "peers: cached in $BIN"
  exit 0
fi

printf 'deb http://deb.debian.org/debian trixie main\ndeb http://deb.debian.org/debian sid main\n' > "$D/apt/sources.list"
A=(-o "Dir::Etc::SourceList=$D/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
   -o "Dir::State::Lists=$D/apt/lists" -o "Dir::Cache=$D/apt/cache" -o APT::Sandbox::User=root
   -o Debug::NoLocking=1 -o Acquire::Retries=3)

# Refresh the private package lists at most once a day.
if [ -z "$(find "$D/apt/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  echo "peers: apt-get update (private lists in $D/apt)"
  apt-get "${A[@]}" -q update >/dev/null
fi

fetch() { # fetch PKG[=VERSION] into $D/debs (skip if a matching .deb is present)
  local spec=$1 name=${1%%=*}
  if ls "$D/debs/${name}_"*.deb >/dev/null 2>&1 && [ "$name" = "$spec" ]; then return 0; fi
  (cd "$D/debs" && apt-get "${A[@]}" -q download "$spec" >/dev/null)
}
unpack() { # unpack DEB_GLOB into DIR
  local glob=$1 dir=$2 f
  f=$(ls $D/debs/$glob 2>/dev/null | sort -V | tail -1)
  [ -n "$f" ] || { echo "peers: no package matches $glob" >&2; return 1; }
  rm -rf "$dir"; mkdir -p "$dir"; dpkg -x "$f" "$dir"
}

# cosign 2.5 from trixie, cosign 3.x from sid: the two share a package name, so pin the 2.5 version.
cos2=$(apt-cache "${A[@]}" madison cosign | awk '$3 ~ /^2\.5/ {print $3; exit}')
cos3=$(apt-cache "${A[@]}" madison cosign | awk '$3 ~ /^3\./ {print $3; exit}')
echo "peers: cosign2=$cos2 cosign3=$cos3"
[ -n "$cos2" ] && [ -n "$cos3" ] || { echo "peers: cosign versions not found in the archive" >&2; exit 1; }
(cd "$D/debs" && rm -f cosign_*.deb && apt-get "${A[@]}" -q download "cosign=$cos2" >/dev/null && mv cosign_*.deb cosign2.deb.tmp \
  && apt-get "${A[@]}" -q download "cosign=$cos3" >/dev/null && mv cosign_*.deb cosign3.deb.tmp \
  && mv cosign2.deb.tmp cosign2.deb && mv cosign3.deb.tmp cosign3.deb)
for p in rekor crane docker-registry sigstore-go gitsign; do fetch "$p" || echo "peers: could not fetch $p" >&2; done
for p in python3-tuf python3-securesystemslib python3-urllib3; do fetch "$p" || echo "peers: could not fetch $p" >&2; done

unpack cosign2.deb "$D/root/cosign2"; ln -sf "$D/root/cosign2/usr/bin/cosign" "$BIN/cosign2"
unpack cosign3.deb "$D/root/cosign3"; ln -sf "$D/root/cosign3/usr/bin/cosign" "$BIN/cosign3"
unpack 'rekor_*.deb' "$D/root/rekor"; ln -sf "$D/root/rekor/usr/bin/rekor-cli" "$BIN/rekor-cli"
unpack 'crane_*.deb' "$D/root/crane"; ln -sf "$D/root/crane/usr/bin/crane" "$BIN/crane"
unpack 'docker-registry_*.deb' "$D/root/registry"; ln -sf "$D/root/registry/usr/bin/docker-registry" "$BIN/registry"
if unpack 'sigstore-go_*.deb' "$D/root/sigstore-go"; then for f in "$D/root/sigstore-go/usr/bin/"*; do ln -sf "$f" "$BIN/"; done; fi
if unpack 'gitsign_*.deb' "$D/root/gitsign"; then ln -sf "$D/root/gitsign/usr/bin/gitsign" "$BIN/gitsign"; fi
mkdir -p "$D/root/python"
for g in 'python3-tuf_*.deb' 'python3-securesystemslib_*.deb' 'python3-urllib3_*.deb'; do
  f=$(ls $D/debs/$g 2>/dev/null | sort -V | tail -1); [ -n "$f" ] && dpkg -x "$f" "$D/root/python"
done
echo "peers: ready in $BIN"
"$BIN/cosign2" version 2>/dev/null | grep -i gitversion || true
"$BIN/cosign3" version 2>/dev/null | grep -i gitversion || true
