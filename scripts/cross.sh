#!/usr/bin/env bash
# scripts/cross.sh - proves the device core is portable: compiles (no link) every .c of the
# device-core folders for Cortex-M4 (arm-none-eabi-gcc) and ESP8266 Xtensa (xtensa-lx106-elf-gcc
# with picolibc), with MOAT_CONFIG_EXPLAIN=1 and 0, warnings as errors.
#
# Usage: scripts/cross.sh [arm|xtensa|all]      (default: all)
#
# Each file must compile without a warning, using only the cross toolchain's own headers (host
# /usr/include is never searched), and may include only these C library headers itself:
# string.h and the freestanding ones (stdint.h, stddef.h, stdbool.h, limits.h, stdarg.h, ...).
# Files that include mbedTLS headers are skipped and listed: mbedTLS is not part of the cross
# sysroots, and host headers must not leak into a cross build.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIRS=(src/common/mqtt src/common/atecc src/common/cert src/device/mqtt src/device/atecc)
ALLOWED_HEADERS="string.h stdint.h stddef.h stdbool.h limits.h stdarg.h stdalign.h
stdnoreturn.h float.h iso646.h"
COMMON_FLAGS=(-Os -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
              -Wmissing-prototypes -Wconversion -Wno-sign-conversion -Wno-unused-parameter
              -ffunction-sections -fdata-sections -I"$ROOT/include" -I"$ROOT/src")

which=${1:-all}
case "$which" in
arm) targets=(arm) ;;
xtensa) targets=(xtensa) ;;
all) targets=(arm xtensa) ;;
*) echo "usage: $0 [arm|xtensa|all]" >&2; exit 2 ;;
esac

target_cc() {
    case "$1" in
    arm) echo "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb" ;;
    xtensa) echo "xtensa-lx106-elf-gcc --specs=/usr/lib/xtensa-lx106-elf/picolibc.specs" ;;
    esac
}

WORK=$(mktemp -d /tmp/moat-cross.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The device-core sources, and the ones skipped because they need mbedTLS.
sources=()
skipped=()
for d in "${DIRS[@]}"; do
    for f in "$ROOT/$d"/*.c; do
        [ -e "$f" ] || continue
        [ "$(basename "$f")" = main.c ] && continue
        if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]mbedtls/' "$f"; then
            skipped+=("${f#"$ROOT"/}")
        else
            sources+=("$f")
        fi
    done
done

# system_dirs CC...: the toolchain's own <...> search directories, as given and resolved.
system_dirs() {
    "$@" -xc -E -v /dev/null 2>&1 |
        sed -n '/#include <...> search starts here:/,/End of search list./p' |
        sed '1d;$d;s/^ //' | while read -r d; do echo "$d"; readlink -f "$d"; done
}

# header_violations CC... -- FILE: prints "<system header>" for each C library header that a
# project file (the .c or a header under $ROOT) includes itself and that is not allowed.
# Needs SYS_DIRS (from system_dirs) to turn a header's path back into its include name.
header_violations() {
    local -a cc=()
    while [ "$1" != "--" ]; do cc+=("$1"); shift; done
    local file=$2
    "${cc[@]}" "${COMMON_FLAGS[@]}" -E -H "$file" -o /dev/null 2>&1 |
        awk -v root="$ROOT/" -v dirs="$SYS_DIRS" -v allowed="$ALLOWED_HEADERS" '
        BEGIN { nd = split(dirs, D, "\n"); na = split(allowed, A, /[ \n]+/)
                for (i = 1; i <= na; i++) ok[A[i]] = 1 }
        /^\.+ / {
            depth = length($1); path = $2; stack[depth] = path
            parent = depth == 1 ? root : stack[depth - 1]
            if (index(parent, root) != 1 || index(path, root) == 1) next
            name = path
            for (i = 1; i <= nd; i++)
                if (D[i] != "" && index(path, D[i] "/") == 1) {
                    name = substr(path, length(D[i]) + 2); break
                }
            if (!(name in ok)) print name
        }' | sort -u
}

total_fail=0
summary=()
for t in "${targets[@]}"; do
    read -r -a cc <<<"$(target_cc "$t")"
    if ! command -v "${cc[0]}" >/dev/null; then
        echo "FAIL: ${cc[0]} is not installed (Debian: gcc-arm-none-eabi, gcc-xtensa-lx106," \
             "picolibc-xtensa-lx106-elf; see scripts/deps.sh)" >&2
        total_fail=$((total_fail + 1))
        summary+=("$(printf '%-7s %-9s %s' "$t" "-" "toolchain missing")")
        continue
    fi
    SYS_DIRS=$(system_dirs "${cc[@]}")
    for explain in 1 0; do
        ok=0 bad=0
        out="$WORK/$t-explain$explain"
        mkdir -p "$out"
        for f in "${sources[@]}"; do
            rel=${f#"$ROOT"/}
            obj="$out/$(echo "$rel" | tr '/' '_').o"
            log="$out/$(basename "$f").log"
            "${cc[@]}" "${COMMON_FLAGS[@]}" -DMOAT_CONFIG_EXPLAIN="$explain" -c "$f" -o "$obj" \
                >"$log" 2>&1
            rc=$?
            viol=$(header_violations "${cc[@]}" -DMOAT_CONFIG_EXPLAIN="$explain" -- "$f")
            allocs=""
            if [ $rc -eq 0 ]; then
                allocs=$("${cc[0]%gcc}nm" -u "$obj" 2>/dev/null |
                    awk '$2 ~ /^(malloc|calloc|realloc|free|printf|fprintf|puts|abort|exit)$/ {print $2}' |
                    tr '\n' ' ')
            fi
            if [ $rc -ne 0 ] || [ -s "$log" ] || [ -n "$viol" ] || [ -n "$allocs" ]; then
                bad=$((bad + 1))
                echo "FAIL [$t, MOAT_CONFIG_EXPLAIN=$explain] $rel"
                [ -s "$log" ] && sed 's/^/    /' "$log" | head -40
                [ -n "$viol" ] && echo "    includes C library headers the device core may not use:" \
                    $viol "(allowed: string.h and freestanding headers)"
                [ -n "$allocs" ] && echo "    calls $allocs(the device core must not allocate or print)"
            else
                ok=$((ok + 1))
            fi
        done
        total_fail=$((total_fail + bad))
        summary+=("$(printf '%-7s %-9s %3d ok  %3d failed' "$t" "explain=$explain" $ok $bad)")
    done
done

echo
echo "Cross-compilation of the device core (${DIRS[*]})"
echo "target  config     result"
for s in "${summary[@]}"; do echo "$s"; done
if [ ${#skipped[@]} -gt 0 ]; then
    echo "skipped (they include mbedTLS headers, which the cross sysroots do not have):"
    for s in "${skipped[@]}"; do echo "    $s"; done
fi
if [ $total_fail -ne 0 ]; then
    echo "cross.sh: FAILED ($total_fail failures)"
    exit 1
fi
echo "cross.sh: OK"
