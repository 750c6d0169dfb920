#!/usr/bin/env bash
# Benchmark of a whole sync (not a test): N users in a CSV synced into the emulator (a separate
# `xaas emulator` process, rate limiting off, cool-down 0), then the no-change re-sync and a re-sync with
# 1% of the users changed. Prints wall time, peak RSS of `xaas sync`, and the run reports.
#
#   scripts/bench-sync.sh [USERS]     (default 1000000)
#
# Needs: swift, python3, GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
users="${1:-1000000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/xaas-bench-sync.XXXXXX")"
emu_pid=""
trap '[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"' EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  swift build -c release --product xaas >/dev/null
  swift build -c release --product CSVConnector >/dev/null
fi
bin="$(swift build -c release --show-bin-path)"

generate() {  # generate USERS FILE CHANGED_EVERY(0 = none)
  python3 - "$1" "$2" "$3" <<'PY'
import sys
n, path, every = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with open(path, "w", encoding="utf-8") as f:
    f.write("id,active,title,first_name,last_name,email,department\n")
    for i in range(n):
        title = "Changed" if every and i % every == 0 else f"Title {i % 13}"
        f.write(f"u{i:07d},true,{title},First{i},Last{i % 997},user{i}@example.com,Dept {i % 17}\n")
PY
}

mkdir -p "$work/connectors.d/bench" "$work/state"
cat > "$work/emulator.json" <<JSON
{"orgs":[{"name":"bench","tokens":["bench-token"],"identitySources":["0oabench000000000001"],
  "cooldownSeconds":0,"processingDelayMs":0}]}
JSON
"$bin/xaas" emulator --port 0 --config "$work/emulator.json" > "$work/emulator.out" 2>&1 &
emu_pid=$!
for _ in $(seq 1 100); do grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$work/emulator.out" | head -1)"
cat > "$work/connectors.d/bench/org.json" <<JSON
{"url": "$url", "token": {"value": "bench-token"}, "sessionCooldownSeconds": 0}
JSON
cat > "$work/connectors.d/bench/hr.json" <<JSON
{"identitySourceId": "0oabench000000000001", "connector": "csv", "pageSize": 1000,
 "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
 "mapping": {"userName": "\${email}", "email": "\${email}", "firstName": "\${first_name}", "lastName": "\${last_name}",
             "title": "\${title}", "department": "\${department}"},
 "safeguards": {"maxDeactivationPercent": 20}}
JSON

run() {  # run LABEL
  /usr/bin/time -f "%e s wall, %M KiB peak RSS" -o "$work/time" \
    "$bin/xaas" sync --config "$work/connectors.d" --state "$work/state" --json > "$work/report.json"
  echo "$1: $(cat "$work/time")"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print("   ", {k: r[k] for k in ("status","created","updated","unchanged","deactivated","bulkRequests","sessions","durationMs")})' "$work/report.json"
}

echo "users: $users   machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
generate "$users" "$work/connectors.d/bench/users.csv" 0
run "initial sync"
run "no-change re-sync"
generate "$users" "$work/connectors.d/bench/users.csv" 100
run "1% changed"
echo "emulator peak RSS: $(grep VmHWM /proc/$emu_pid/status | awk '{print $2, $3}')"
