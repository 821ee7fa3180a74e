#!/usr/bin/env bash
# bench/footprint.sh [BUILD_DIR] - flash and static RAM of the device core on a Cortex-M4:
# compiles the MQTT client core and the ATECC608 driver core with arm-none-eabi-gcc -Os and sums
# the sections of each object (flash = .text + .rodata, RAM = .data + .bss), for
# MOAT_CONFIG_EXPLAIN=1 (long explanations) and 0 (short names only). BUILD_DIR is unused: this
# benchmark builds its own objects.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC=arm-none-eabi-gcc
SIZE=arm-none-eabi-size
FLAGS=(-Os -mcpu=cortex-m4 -mthumb -std=c11 -ffunction-sections -fdata-sections
       -I"$ROOT/include" -I"$ROOT/src")

if ! command -v "$CC" >/dev/null || ! command -v "$SIZE" >/dev/null; then
    echo "footprint: $CC / $SIZE not found; install gcc-arm-none-eabi (scripts/deps.sh)" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/moat-footprint.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# sections OBJ: prints "flash ram" in bytes, from `size -A` (one line per section; with
# -ffunction-sections a function is .text.NAME, a constant .rodata.NAME, and so on).
sections() {
    "$SIZE" -A "$1" | awk '
        $1 ~ /^\.text/ || $1 ~ /^\.rodata/ { flash += $2 }
        $1 ~ /^\.data/ || $1 ~ /^\.bss/ { ram += $2 }
        END { printf "%d %d\n", flash, ram }'
}

# table TITLE DIR...: one row per .c file, columns for both explain settings, and a total.
table() {
    local title=$1
    shift
    local files=() d f
    for d in "$@"; do
        for f in "$ROOT/$d"/*.c; do
            [ -e "$f" ] && [ "$(basename "$f")" != main.c ] && files+=("$f")
        done
    done
    echo "$title ($CC -Os -mcpu=cortex-m4 -mthumb; bytes)"
    if [ ${#files[@]} -eq 0 ]; then
        echo "  (no sources in $*)"
        echo
        return 0
    fi
    printf '%-36s %10s %8s %10s %8s\n' "object" "flash E=1" "RAM E=1" "flash E=0" "RAM E=0"
    local tf1=0 tr1=0 tf0=0 tr0=0 rel obj fl1 ra1 fl0 ra0
    for f in "${files[@]}"; do
        rel=${f#"$ROOT"/src/}
        obj="$WORK/$(echo "$rel" | tr '/' '_')"
        "$CC" "${FLAGS[@]}" -DMOAT_CONFIG_EXPLAIN=1 -c "$f" -o "$obj.1.o"
        "$CC" "${FLAGS[@]}" -DMOAT_CONFIG_EXPLAIN=0 -c "$f" -o "$obj.0.o"
        read -r fl1 ra1 < <(sections "$obj.1.o")
        read -r fl0 ra0 < <(sections "$obj.0.o")
        printf '%-36s %10d %8d %10d %8d\n' "${rel%.c}.o" "$fl1" "$ra1" "$fl0" "$ra0"
        tf1=$((tf1 + fl1)) tr1=$((tr1 + ra1)) tf0=$((tf0 + fl0)) tr0=$((tr0 + ra0))
    done
    printf '%-36s %10d %8d %10d %8d\n' "TOTAL" "$tf1" "$tr1" "$tf0" "$tr0"
    if [ "$tf1" -gt 0 ]; then
        echo "  MOAT_CONFIG_EXPLAIN=0 saves $((tf1 - tf0)) bytes of flash" \
             "($(( (tf1 - tf0) * 100 / tf1 ))%)"
    fi
    echo
}

table "MQTT client core: src/common/mqtt + src/device/mqtt" src/common/mqtt src/device/mqtt
table "ATECC608 driver core: src/common/atecc + src/device/atecc" src/common/atecc src/device/atecc
