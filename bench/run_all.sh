#!/usr/bin/env bash
# bench/run_all.sh BUILD_DIR - runs every bench/*.sh (except this one) with BUILD_DIR as its
# first argument and prints their tables; exits non-zero if any benchmark failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR   (the cmake build directory holding moat, moatd, moat-se)" >&2
    exit 2
fi
BUILD_DIR=$(cd "$1" 2>/dev/null && pwd) || { echo "run_all: no such directory: $1" >&2; exit 2; }

failed=()
for b in "$HERE"/*.sh; do
    [ "$(basename "$b")" = run_all.sh ] && continue
    echo "=== $(basename "$b")"
    if ! bash "$b" "$BUILD_DIR"; then
        failed+=("$(basename "$b")")
        echo "(benchmark $(basename "$b") failed)"
    fi
    echo
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "run_all: failed: ${failed[*]}" >&2
    exit 1
fi
