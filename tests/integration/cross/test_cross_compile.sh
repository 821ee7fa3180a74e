#!/usr/bin/env bash
# test_cross_compile.sh - the device core builds for Cortex-M4 and ESP8266 Xtensa without a
# warning or a host header (scripts/cross.sh), and that check itself catches what it must.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

CROSS="$MOAT_SRC_DIR/scripts/cross.sh"

for target in arm xtensa; do
    t_case "device core cross-compiles for $target with explain on and off"
    if out=$("$CROSS" "$target" 2>&1); then
        t_expect_contains "summary" "cross.sh: OK" "$out"
    else
        t_fail "$out"
    fi
done

# A scratch tree with the real headers and a few bad device-core files.
mk_scratch() {
    local s="$T_DIR/scratch-$1"
    mkdir -p "$s/scripts" "$s/src/common/mqtt" "$s/src/device/mqtt"
    cp -r "$MOAT_SRC_DIR/include" "$s/"
    cp "$CROSS" "$s/scripts/"
    printf '#include <string.h>\nint good(void);\nint good(void) { return (int)strlen("a"); }\n' \
        >"$s/src/common/mqtt/good.c"
    echo "$s"
}

t_case "cross check rejects a POSIX header included through a private header"
s=$(mk_scratch posix)
printf '#include <unistd.h>\n' >"$s/src/device/mqtt/priv.h"
printf '#include "device/mqtt/priv.h"\nint p(void);\nint p(void) { return 1; }\n' \
    >"$s/src/device/mqtt/uses_priv.c"
if out=$("$s/scripts/cross.sh" arm 2>&1); then
    t_fail "cross.sh accepted <unistd.h>: $out"
else
    t_expect_contains "report" "src/device/mqtt/uses_priv.c" "$out"
fi

t_case "cross check has no host sockets to offer"
s=$(mk_scratch sock)
printf '#include <sys/socket.h>\nint q(void);\nint q(void) { return 1; }\n' \
    >"$s/src/common/mqtt/sock.c"
if out=$("$s/scripts/cross.sh" xtensa 2>&1); then
    t_fail "cross.sh accepted <sys/socket.h>: $out"
else
    t_expect_contains "report" "sys/socket.h" "$out"
fi

t_case "cross check fails on a -Wconversion warning"
s=$(mk_scratch warn)
printf '#include <stdint.h>\nuint8_t w(int a);\nuint8_t w(int a) { return a; }\n' \
    >"$s/src/common/mqtt/warn.c"
if out=$("$s/scripts/cross.sh" arm 2>&1); then
    t_fail "cross.sh accepted a conversion warning: $out"
else
    t_expect_contains "report" "Werror=conversion" "$out"
fi

t_case "cross check lists files skipped for needing mbedTLS"
s=$(mk_scratch mbed)
printf '#include "mbedtls/sha256.h"\nint m(void);\nint m(void) { return 0; }\n' \
    >"$s/src/common/mqtt/needs_mbed.c"
out=$("$s/scripts/cross.sh" arm 2>&1)
t_expect_contains "skip list" "    src/common/mqtt/needs_mbed.c" "$out"

t_done
