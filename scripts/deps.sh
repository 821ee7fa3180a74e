#!/usr/bin/env bash
# Installs every build and test dependency of Moat from Debian packages.
# Idempotent: packages already present are skipped; safe to run repeatedly.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang llvm libclang-rt-dev
  libmbedtls-dev libssl-dev openssl libcjson-dev libsqlite3-dev sqlite3
  libmicrohttpd-dev libcmocka-dev
  mosquitto mosquitto-clients softhsm2 opensc libp11-kit-dev awscli python3-paho-mqtt
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  gcc-xtensa-lx106 picolibc-xtensa-lx106-elf
  ca-certificates procps iproute2 hyperfine
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# The Debian mosquitto package starts a system broker on 1883; tests use their own ports,
# but a stray system broker is not wanted on a CI box.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
echo "deps: done"
