#!/usr/bin/env bash
# Benchmark of the CSV connector (not a test): generates workshop-shaped CSV files and times
# `xaas plugins read csv --settings … > /dev/null` on a release build, printing rows/s and peak RSS.
#
#   scripts/bench-csv.sh [ROWS]        (default 1000000; also runs ROWS/10 to show memory stays flat)
#
# Needs: swift, python3 (to generate the file), GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/xaas-bench-csv.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  swift build -c release --product CSVConnector >/dev/null
  swift build -c release --product xaas >/dev/null
fi
bin="$(swift build -c release --show-bin-path)"

generate() {  # generate ROWS FILE
  python3 - "$1" "$2" <<'PY'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
first = ["Ana", "Bo", "Chloé", "Dmitri", "Eve", "Fatima", "Gus", "Hana", "Ivan", "Józef"]
last = ["Smith", "O'Brien", "García", "Nguyen", "Müller", "Kowalski", "Okafor", "Tanaka"]
streets = ["Main St", "High Street", "Rue de la Paix", "Elm, Apt 4", "Baker \"B\" Street"]
cities = ["Springfield", "Paris", "Zürich", "São Paulo", "Tokyo"]
depts = ["Engineering", "Sales", "Support", "Finance", "HR"]
def q(s):
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\r\n') else s
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("id,active,title,first_name,last_name,street_number,street_name,city,state,country,"
            "postcode,email,phone,cell,dob,department\n")
    for i in range(rows):
        fn, ln = rnd.choice(first), rnd.choice(last)
        f.write(",".join(q(x) for x in [
            f"u{i:07d}", rnd.choice(["true", "false", "1", "no"]), rnd.choice(["Mr", "Ms", "Dr", ""]),
            fn, ln, str(rnd.randint(1, 9999)), rnd.choice(streets), rnd.choice(cities), "CA", "US",
            f"{rnd.randint(0, 99999):05d}", f"{fn.lower()}.{ln.lower()}{i}@example.com",
            f"({rnd.randint(200, 999)}) 555-{rnd.randint(0, 9999):04d}", f"+1 555 {rnd.randint(0, 9999999):07d}",
            f"19{rnd.randint(50, 99)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}", rnd.choice(depts)]) + "\r\n")
PY
}

run() {  # run ROWS
  local n="$1" csv="$work/users-$1.csv" settings="$work/settings-$1.json" timing="$work/time-$1.txt"
  generate "$n" "$csv"
  printf '{"path":"%s","externalId":"id","status":{"attribute":"active"}}\n' "$csv" >"$settings"
  /usr/bin/time -v "$bin/xaas" plugins read csv --settings "$settings" >/dev/null 2>"$timing"
  local wall rss bytes cpu
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$timing")"
  cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$timing")"
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$timing")"
  bytes="$(stat -c %s "$csv")"
  python3 - "$n" "$wall" "$rss" "$bytes" "$cpu" <<'PY'
import sys
n, wall, rss, size, cpu = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(f"rows={n} file={size / 1e6:.1f}MB wall={seconds:.2f}s rows/s={n / seconds:,.0f} "
      f"MB/s={size / 1e6 / seconds:.1f} cpu={cpu:.2f}s rows/cpu-s={n / cpu:,.0f} peakRSS={rss / 1024:.1f}MiB")
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
run $((rows / 10))
run "$rows"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
