# Shared by the scripts: installing what is missing, and building with CMake presets.
# Sourced, not run.

PIXXEL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIXXEL_JOBS="${PIXXEL_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# What building, testing and running the demo need, as Debian/Ubuntu packages. Each script
# installs its whole list before its first configure, and configure_and_build then proves
# that everything CMake found comes from that list (check_found_packages).
PIXXEL_PACKAGES=(
  g++ cmake make pkg-config
  libcurl4-openssl-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev libcpp-httplib-dev libcli11-dev
)
# The TLS tests and benchmarks read OpenSSL's counters (libssl-dev) and run an HTTP/2 server on
# Node.js (nodejs); the man page is made by help2man.
PIXXEL_TEST_PACKAGES=("${PIXXEL_PACKAGES[@]}" doxygen help2man libssl-dev nodejs)
PIXXEL_BENCH_PACKAGES=("${PIXXEL_PACKAGES[@]}" libbenchmark-dev libssl-dev nodejs)

log() { printf '\n==> %s\n' "$*" >&2; }

# Installs the packages that are not installed yet (and only those) with apt-get.
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing packages: ${missing[*]}; install them with your package manager" >&2
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# check_found_packages BUILD_DIR PACKAGE...
# Proves that a configure step found only what the script installs: every program, library
# and package directory in BUILD_DIR's CMake cache must belong to one of PACKAGE... or to
# what they depend on, and nothing this project looks for (PIXXEL_*) may be missing. A
# script that would work only where a package happened to be installed fails here.
check_found_packages() {
  local build="$1"
  shift
  command -v dpkg-query >/dev/null 2>&1 || return 0  # not a Debian system: nothing to prove
  local closure
  closure="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
    sed -n 's/^\([^ <][^ ]*\)$/\1/p' | sed 's/:.*//' | sort -u)"
  local bad=()
  local -A found=()  # cache entry -> path
  local name path
  while IFS='=' read -r name path; do
    name="${name%%:*}"
    case "$name" in
      PIXXEL_*) [[ "$path" == *-NOTFOUND ]] && bad+=("$name was not found") ;;
      CMAKE_INSTALL_* | *_BINARY_DIR | *_SOURCE_DIR | CMAKE_CACHEFILE_DIR) continue ;;
      # The toolchain's binary tools, which CMake finds by itself beside the compiler (with
      # llvm or lld installed, llvm-ar-14 and ld.lld for clang): the project asks for none.
      CMAKE_AR | CMAKE_RANLIB | CMAKE_LINKER | CMAKE_NM | CMAKE_OBJDUMP | CMAKE_OBJCOPY | \
        CMAKE_READELF | CMAKE_STRIP | CMAKE_ADDR2LINE | CMAKE_DLLTOOL | CMAKE_MT | \
        CMAKE_*_COMPILER_AR | CMAKE_*_COMPILER_RANLIB | CMAKE_*_COMPILER_CLANG_SCAN_DEPS) continue ;;
    esac
    [[ "$path" == /* && -e "$path" && "$path" != "$PIXXEL_ROOT"/* ]] && found[$name]="$path"
  done < <(grep -E '^[A-Za-z0-9_.+-]+:(FILEPATH|PATH)=' "$build/CMakeCache.txt")
  # One dpkg query for all: each path as named, then its target, then its /usr-merged twin.
  local -A owners=()
  local candidates=() real line
  for path in "${found[@]}"; do
    real="$(realpath -e "$path")"
    candidates+=("$path" "$real" "${real#/usr}")
  done
  while IFS= read -r line; do
    owners[${line#*: }]+="$(sed 's/: .*//; s/:[a-z0-9]*//g; s/,/ /g' <<<"$line") "
  done < <(dpkg-query -S "${candidates[@]}" 2>/dev/null)
  local who owner ok
  for name in "${!found[@]}"; do
    path="${found[$name]}"
    real="$(realpath -e "$path")"
    who="${owners[$path]:-${owners[$real]:-${owners[${real#/usr}]:-}}}"
    if [ -z "$who" ]; then
      bad+=("$name=$path belongs to no package")
      continue
    fi
    ok=0
    for owner in $who; do
      grep -qx "$owner" <<<"$closure" && { ok=1; break; }
    done
    [ "$ok" -eq 1 ] || bad+=("$name=$path comes from ${who% }, which this script does not install")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'the configure step in %s relies on what its script does not install:\n' "$build" >&2
    printf '  %s\n' "${bad[@]}" >&2
    return 1
  fi
}

# forget_stale_toolchain BUILD_DIR
# A build directory configured while a toolchain package was installed (llvm's llvm-ar and
# ld.lld, which CMake picks beside clang) keeps those paths in its cache; once the package is
# removed, every link fails with "No such file or directory". Such a cache, and CMake's record
# of the toolchain it found (CMakeFiles/<cmake version>/), are dropped, so that the next
# configure finds the tools that are there now; the objects already built stay.
forget_stale_toolchain() {
  local cache="$1/CMakeCache.txt"
  [ -f "$cache" ] || return 0
  local name path
  while IFS='=' read -r name path; do
    if [ -n "$path" ] && [[ "$path" == /* ]] && [ ! -e "$path" ]; then
      log "${name%%:*} was ${path}, which is gone: configuring $1 afresh"
      rm -rf "$cache" "$1"/CMakeFiles/[0-9]*
      return 0
    fi
  done < <(grep -E '^CMAKE_(AR|RANLIB|LINKER|NM|OBJDUMP|OBJCOPY|READELF|STRIP|ADDR2LINE|C_COMPILER|CXX_COMPILER|[A-Z]+_COMPILER_AR|[A-Z]+_COMPILER_RANLIB):FILEPATH=' "$cache")
}

# configure_and_build PRESET PACKAGES-ARRAY-NAME [TARGET...] [-- CMAKE-ARGS...]
configure_and_build() {
  local preset="$1"
  local -n packages="$2"
  shift 2
  local targets=()
  local args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=(--target "$1"); shift; done
  [ $# -gt 0 ] && { shift; args=("$@"); }
  log "configuring ($preset)"
  forget_stale_toolchain "$PIXXEL_ROOT/build/$preset"
  cmake --preset "$preset" -S "$PIXXEL_ROOT" "${args[@]}" >/dev/null
  check_found_packages "$PIXXEL_ROOT/build/$preset" "${packages[@]}"
  log "building ($preset)"
  cmake --build --preset "$preset" --parallel "$PIXXEL_JOBS" "${targets[@]}"
}
