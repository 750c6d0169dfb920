#!/bin/sh
# Instruction counts of the CSV connector's read (valgrind callgrind on a C host, scripts/profile/read-driver.c):
# the 7-column file of CSVReadBenchmark with ROWS rows, and the header alone (startup), so that
# (rows run − header run) ÷ ROWS is the connector's instructions per row.
#   scripts/profile/callgrind-csv.sh [libCSVConnector.so] [ROWS]
set -eu
plugin=${1:-.build-release/release/libCSVConnector.so}
rows=${2:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc -O2 -I Sources/PluginAPI/include scripts/profile/read-driver.c -o "$dir/driver" -ldl
python3 - "$dir/users.csv" "$rows" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,active,title,first_name,last_name,email,department\n")
    for i in range(int(sys.argv[2])):
        f.write("u%07d,true,Title %d,First%d,Last%d,user%d@example.com,Dept %d\n" % (i, i % 13, i, i % 997, i, i % 17))
PY
head -1 "$dir/users.csv" > "$dir/header.csv"
runtime=$(strings "$plugin" | grep -m1 -o '^swift-[0-9][0-9.]*$' || echo swift-6.3.1)
libs=$(dirname "$(command -v swift)")/../lib/swift/linux
count() {
    LD_LIBRARY_PATH=$libs valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$2" "$dir/driver" "$plugin" \
        "{\"path\": \"$1\", \"externalId\": \"id\", \"status\": {\"attribute\": \"active\"}}" "$runtime" 2>&1 \
        | sed -n 's/.*I *refs: *//p' | tr -d ,
}
all=$(count "$dir/users.csv" rows)
header=$(count "$dir/header.csv" header)
echo "instructions: $all with $rows rows, $header with the header alone; $(( (all - header) / rows )) per row"
