# Sourced by the install scripts that fetch Debian packages of the machine's own release
# (a native library must match its libc): a private apt state under $D/apt-<codename>, so
# the system's apt sources are never touched and nothing is installed system-wide.
#
# private_apt_init TAG   sets the array A (apt-get options) and refreshes the package
#                        lists if they are older than a day; TAG names the caller in logs.
# Needs D (the peers cache) set by the caller.
private_apt_init() {
  local tag=$1
  . /etc/os-release
  local codename=${VERSION_CODENAME:-bookworm}
  local a_dir=$D/apt-$codename
  mkdir -p "$a_dir/lists/partial" "$a_dir/cache/archives/partial" "$D/debs"
  printf 'deb http://deb.debian.org/debian %s main\n' "$codename" > "$a_dir/sources.list"
  A=(-o "Dir::Etc::SourceList=$a_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$a_dir/lists" -o "Dir::Cache=$a_dir/cache" -o APT::Sandbox::User=root
     -o Debug::NoLocking=1 -o Acquire::Retries=3)
  if [ -z "$(find "$a_dir/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    echo "$tag: apt-get update (private lists in $a_dir)"
    apt-get "${A[@]}" -q update >/dev/null
  fi
}
