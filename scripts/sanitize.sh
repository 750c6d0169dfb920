#!/usr/bin/env bash
# The test suite under a sanitizer: `scripts/sanitize.sh address|thread [filter]`.
# Builds the package and its tests with `--sanitize=address|thread` in .build-asan / .build-tsan (the
# executables export their symbols, so a sanitizer-built connector .so finds the runtime when dlopen'ed), runs
# the tests matching `filter` (default: Host's plugin boundary, the C ABI, HTTPServer, Emulator, the Okta
# client and the misbehaving-plugin suites), and counts the sanitizer reports. Exits 1 when a test failed or a
# report was printed. Options (reasons in docs/reliability.md):
#   ASan: detect_leaks=0 (libcurl's per-request allocations under FoundationNetworking are reported as leaks
#         at exit and would make every subprocess `xaas` exit 1).
#   Both: handle_segv=0 … and SWIFT_BACKTRACE=enable=no (plugins crashed on purpose must die of their
#         signal, as the tests check).
#   TSan: suppressions=scripts/tsan-suppressions.txt (each entry says why it is not a race of ours).
# The log is kept in <scratch>/sanitize.log.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-}
# The misbehaving-plugin tests crash plugins on purpose and check the signal the process died of; the
# sanitizer's own SEGV/abort handlers would turn that death into an exit status.
signals="handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigill=0:handle_sigfpe=0"
# Nor the Swift runtime's crash backtracer: under TSan it turns a plugin's abort() into a TSan CHECK failure.
export SWIFT_BACKTRACE=enable=no
case $kind in
    address) scratch=.build-asan; export ASAN_OPTIONS="detect_leaks=0:$signals${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;;
    thread)  scratch=.build-tsan
             export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt:halt_on_error=0:$signals${TSAN_OPTIONS:+:$TSAN_OPTIONS}" ;;
    *) echo "usage: scripts/sanitize.sh address|thread [filter]" >&2; exit 2 ;;
esac
filter=${2:-"HTTPServerTests|EmulatorTests|PluginHostTests|PluginLoaderTests|ABICompatibility|MisbehavingPlugin|OktaClientTests|WorkerIsolationTests"}
echo "== sanitize $kind: building in $scratch"
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" -Xlinker --export-dynamic 2>&1 | grep -E "error|Compiling|Build" | tail -n 3
log="$scratch/sanitize.log"
echo "== sanitize $kind: swift test --filter \"$filter\""
set +e
swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" --filter "$filter" >"$log" 2>&1
rc=$?
set -e
reports=$(grep -cE "^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: AddressSanitizer)" "$log" || true)
summary=$(grep -E "^✔ Test run|^✘ Test run|Executed [0-9]+ tests" "$log" | tail -n 2 | tr '\n' ' ')
echo "sanitize $kind: exit $rc; $reports sanitizer report(s); $summary"
if [ "$reports" -gt 0 ]; then grep -E "^SUMMARY: (Thread|Address)Sanitizer" "$log" | sort | uniq -c | sort -rn | head -n 20; fi
[ "$rc" -eq 0 ] && [ "$reports" -eq 0 ]
