#!/usr/bin/env bash
# fuzz/run.sh FUZZER CORPUS_DIR SECONDS - runs one libFuzzer target for SECONDS over a scratch
# copy of its seed corpus (the repo's corpus is never written), fails on any crash or leak.
set -euo pipefail
fuzzer=$1 corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
"$fuzzer" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" corpus
