#!/bin/sh
# Benchmark: `xaas plugins read` throughput (the host side: copy-out of pages + NDJSON writing).
# Builds a synthetic C connector (scripts/bench/gen_connector.c, 8 attributes per record) and reads
# N records (default 1,000,000) into /dev/null with a release build. Prints figures; asserts nothing.
#   scripts/bench-plugins-read.sh [N]
set -eu
cd "$(dirname "$0")/.."
N="${1:-1000000}"
swift build -c release --product xaas >/dev/null
BIN="$(swift build -c release --show-bin-path)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
chmod 700 "$WORK"
cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden -I Sources/PluginAPI/include \
   -o "$WORK/libgen.so" scripts/bench/gen_connector.c
printf '{"count": %s}\n' "$N" > "$WORK/settings.json"
start=$(date +%s.%N)
"$BIN/xaas" plugins read "$WORK/libgen.so" --settings "$WORK/settings.json" > "$WORK/out.ndjson"
end=$(date +%s.%N)
lines=$(wc -l < "$WORK/out.ndjson")
bytes=$(wc -c < "$WORK/out.ndjson")
awk -v s="$start" -v e="$end" -v n="$lines" -v b="$bytes" 'BEGIN {
  t = e - s; printf "plugins read: %d records, %.1f MB NDJSON in %.2f s = %.0f records/s, %.1f MB/s\n", n, b/1e6, t, n/t, b/1e6/t }'
