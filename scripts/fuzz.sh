#!/usr/bin/env bash
# libFuzzer over xaas's parsers: `scripts/fuzz.sh [seconds-per-target] [target…]`.
# Targets: json (XaasJSON), http (HTTPServer's request reader), csv (CSV reader), ldif (LDIF record reader),
# emulator (request → route → response, without sockets), and config (connectors.d source/org files, filter
# expressions, mapping templates; it builds the whole Host module with the fuzzer, ~3 min of CPU).
# Each harness is built with `swiftc -sanitize=fuzzer,address` from the module's sources (the package's own
# imports stripped, so one harness = one module), seeded from Tests fixtures, /work/shared/corpora and
# scripts/fuzz/seeds/<target>, and run for the given seconds (default 30). Crashers land in
# scripts/fuzz/crashers/<target>/ — keep each as a regression test (Tests/ReliabilityTests/FuzzRegressionTests
# replays every file there). Prints executions and time per target; exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"; shift || true
targets=("${@:-json http csv ldif emulator config}")
read -r -a targets <<< "${targets[*]}"
out=.build-fuzz
mkdir -p "$out"
corpora=/work/shared/corpora

stage() {  # stage NAME FILE… : copies sources into $out/NAME/src without the package-internal imports
    local name=$1; shift
    rm -rf "$out/$name/src"; mkdir -p "$out/$name/src" "$out/$name/inc"
    for f in "$@"; do
        sed -E '/^(@_exported |public )?import (PluginKit|XaasJSON|RuntimeInfo|HTTPServer|XaasText|XaasSecrets)$/d' "$f" > "$out/$name/src/$(basename "$(dirname "$f")")_$(basename "$f")"
    done
    cp Sources/PluginAPI/include/xaas_plugin.h "$out/$name/inc/"
    printf 'module PluginAPI {\n  header "xaas_plugin.h"\n  export *\n}\n' > "$out/$name/inc/module.modulemap"
}

build() {  # build NAME : builds $out/NAME/fuzz from the staged sources and scripts/fuzz/NAME.swift
    local name=$1
    cp "scripts/fuzz/$name.swift" "$out/$name/src/harness.swift"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$name" -I "$out/$name/inc" \
        "$out/$name/src/"*.swift -o "$out/$name/fuzz" 2>&1 | grep -E "error" || true
    [ -x "$out/$name/fuzz" ]
}

# Harnesses over modules with many dependencies (Host, Emulator) link the package's modules, each built once
# per run with the same flags into $out/modules (-enable-testing where a harness needs internal parsers).
cinc="-I $out/modules -I $out/modules/PluginAPI -I Sources/CSQLite -I Sources/COpenSSL -I Sources/CLibPQ"
modules() {  # modules NAME… : builds each package module (in dependency order) unless it is up to date
    local m testing stale=
    mkdir -p "$out/modules/PluginAPI"
    cp Sources/PluginAPI/include/xaas_plugin.h "$out/modules/PluginAPI/"
    printf 'module PluginAPI {\n  header "xaas_plugin.h"\n  export *\n}\n' > "$out/modules/PluginAPI/module.modulemap"
    for m in "$@"; do
        # Up to date: built, no source newer, and no module before it rebuilt in this call.
        if [ -z "$stale" ] && [ -e "$out/modules/$m.o" ] && [ -z "$(find "Sources/$m" -newer "$out/modules/$m.o" | head -n 1)" ]; then
            continue
        fi
        stale=1
        rm -f "$out/modules/$m.o"
        case $m in Host|HTTPServer) testing=-enable-testing ;; *) testing= ;; esac
        # shellcheck disable=SC2046,SC2086
        swiftc -parse-as-library -package-name xaas -module-name "$m" -emit-module -emit-module-path "$out/modules/$m.swiftmodule" \
            -sanitize=fuzzer,address -O -g -c -wmo $testing $cinc $(find "Sources/$m" -name '*.swift') \
            -o "$out/modules/$m.o" 2>&1 | grep -E "error" || true
        [ -e "$out/modules/$m.o" ] || { echo "module $m: BUILD FAILED"; return 1; }
    done
}

link() {  # link NAME MODULE… : builds $out/NAME/fuzz from scripts/fuzz/NAME.swift, its target's one home
          # (Tests/ReliabilityTests/Fuzz<Name>Target.swift, shared with FuzzRegressionTests) and the built modules
    local name=$1; shift
    mkdir -p "$out/$name"
    modules "$@" || return 1
    local objects=() m
    for m in "$@"; do objects+=("$out/modules/$m.o"); done
    # shellcheck disable=SC2086
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$name" $cinc "scripts/fuzz/$name.swift" \
        "Tests/ReliabilityTests/Fuzz${name^}Target.swift" \
        "${objects[@]}" -lsqlite3 -lcrypto -lpq -o "$out/$name/fuzz" 2>&1 | grep -E "error" || true
    [ -x "$out/$name/fuzz" ]
}

seeds() {  # seeds NAME DIR… : a fresh seed corpus from fixtures
    local name=$1; shift
    rm -rf "$out/$name/corpus"; mkdir -p "$out/$name/corpus"
    for d in "$@"; do
        [ -e "$d" ] || continue
        find "$d" -type f -size -256k 2>/dev/null | head -n 400 | while read -r f; do cp "$f" "$out/$name/corpus/$(echo "$f" | md5sum | cut -c1-16)"; done
    done
    if [ -d "scripts/fuzz/seeds/$name" ]; then cp scripts/fuzz/seeds/"$name"/* "$out/$name/corpus/" 2>/dev/null || true; fi
}

status=0
for t in "${targets[@]}"; do
    rm -f "$out/$t/fuzz"
    linked=
    case $t in
        json) stage json Sources/XaasJSON/*.swift
              seeds json Tests/Fixtures connectors.d "$corpora/csv/papa_core_cases.json" ;;
        http) stage http Sources/HTTPServer/*.swift Sources/XaasText/*.swift
              seeds http scripts/fuzz/seeds/http ;;
        csv)  stage csv Plugins/CSV/*.swift Sources/PluginKit/*.swift Sources/XaasJSON/*.swift Sources/RuntimeInfo/*.swift \
                    Sources/XaasText/*.swift Sources/XaasSecrets/*.swift
              seeds csv "$corpora/csv" connectors.d ;;
        ldif) stage ldif Plugins/LDIF/*.swift Sources/PluginKit/*.swift Sources/XaasJSON/*.swift Sources/RuntimeInfo/*.swift \
                    Sources/XaasText/*.swift Sources/XaasSecrets/*.swift
              seeds ldif "$corpora/ldif" ;;
        config) linked="XaasJSON RuntimeInfo XaasText XaasSecrets XaasCrypto XaasSQLite HTTPServer Host"
              seeds config scripts/fuzz/seeds/config ;;
        emulator) linked="XaasJSON XaasText XaasCrypto XaasSQLite HTTPServer Emulator"
              seeds emulator scripts/fuzz/seeds/emulator ;;
        *) echo "unknown target $t" >&2; exit 2 ;;
    esac
    echo "== fuzz $t: building"
    if [ -n "$linked" ]; then
        # shellcheck disable=SC2086
        if ! link "$t" $linked; then echo "fuzz $t: BUILD FAILED"; status=1; continue; fi
    elif ! build "$t"; then echo "fuzz $t: BUILD FAILED"; status=1; continue; fi
    mkdir -p "scripts/fuzz/crashers/$t"
    log="$out/$t/fuzz.log"
    set +e
    ( cd "$out/$t" && ./fuzz -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$PWD/../../scripts/fuzz/crashers/$t/" corpus >"fuzz.log" 2>&1 )
    rc=$?
    set -e
    line=$(grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$log" | tail -n 1 || true)
    execs=$(grep -oE "Done [0-9]+ runs in [0-9]+ second" "$log" | tail -n 1 || true)
    echo "fuzz $t: exit $rc; ${execs:-$line}; corpus $(ls "$out/$t/corpus" | wc -l) inputs"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E "ERROR|SUMMARY|Fatal|==[0-9]+==" "$log" | head -n 8
        ls -1 "scripts/fuzz/crashers/$t/" | tail -n 3
    fi
done
exit $status
