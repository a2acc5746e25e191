# Shared by the scripts: installing what is missing, and building with CMake presets.
# Sourced, not run.

PIXXEL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIXXEL_JOBS="${PIXXEL_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# What building, testing and running the demo need, as Debian/Ubuntu packages.
PIXXEL_PACKAGES=(
  g++ cmake make pkg-config
  libcurl4-openssl-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev libcpp-httplib-dev libcli11-dev
)

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

# configure_and_build PRESET [TARGET...]
configure_and_build() {
  local preset="$1"
  shift
  log "configuring ($preset)"
  cmake --preset "$preset" -S "$PIXXEL_ROOT" >/dev/null
  log "building ($preset)"
  local targets=()
  local t
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build --preset "$preset" --parallel "$PIXXEL_JOBS" "${targets[@]}"
}
