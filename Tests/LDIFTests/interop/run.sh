#!/bin/sh
# Real LDIF from Debian's OpenLDAP (source-formats.md §2.4, option A: installed packages).
#
# usage: run.sh OUTDIR [USERS]
# Generates OUTDIR/input.ldif (generate.py), loads it with slapadd into a scratch mdb database, and
# writes what OpenLDAP's own tools emit:
#   slapcat.ldif (wrap 78), slapcat40.ldif (ldif_wrap=40), slapcat_nowrap.ldif (ldif_wrap=no),
#   ldapsearch.ldif (default: comments + search:/result: trailer), ldapsearch_L.ldif (-L, version: 1),
#   ldapsearch_LLL.ldif (-LLL, no wrapping), ldapsearch_paged.ldif (-E pr=7/noprompt),
#   ldapsearch_ops.ldif (-LLL '*' +, with entryUUID).
# Exit status 77 when slapd / ldap-utils are not installed (apt-get install -y slapd ldap-utils).
set -eu
. "$(cd "$(dirname "$0")" && pwd)/slapd-conf.sh"
OUT=$1
USERS=${2:-60}
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in /usr/sbin/slapadd /usr/sbin/slapcat /usr/sbin/slapd /usr/bin/ldapsearch; do
  [ -x "$tool" ] || { echo "missing $tool (apt-get install -y slapd ldap-utils)" >&2; exit 77; }
done
PY=${PYTHON:-python3}
mkdir -p "$OUT/db"
"$PY" "$HERE/generate.py" "$OUT/input.ldif" "$OUT/expected_groups.json" "$USERS"
write_slapd_conf "$OUT" 104857600
/usr/sbin/slapadd -q -f "$OUT/slapd.conf" -l "$OUT/input.ldif"
/usr/sbin/slapcat -f "$OUT/slapd.conf" -l "$OUT/slapcat.ldif"
/usr/sbin/slapcat -f "$OUT/slapd.conf" -o ldif_wrap=40 -l "$OUT/slapcat40.ldif"
/usr/sbin/slapcat -f "$OUT/slapd.conf" -o ldif_wrap=no -l "$OUT/slapcat_nowrap.ldif"
PORT=$("$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
/usr/sbin/slapd -f "$OUT/slapd.conf" -h "ldap://127.0.0.1:$PORT/"
trap 'kill "$(cat "$OUT/slapd.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
S="/usr/bin/ldapsearch -x -H ldap://127.0.0.1:$PORT/ -D cn=admin,dc=example,dc=com -w secret"
i=0
until $S -b "" -s base >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "slapd did not start" >&2; exit 1; }; sleep 0.1
done
$S -b dc=example,dc=com > "$OUT/ldapsearch.ldif"
$S -b dc=example,dc=com -L > "$OUT/ldapsearch_L.ldif"
$S -b dc=example,dc=com -LLL -o ldif_wrap=no > "$OUT/ldapsearch_LLL.ldif"
$S -b dc=example,dc=com -E pr=7/noprompt > "$OUT/ldapsearch_paged.ldif"
$S -b dc=example,dc=com -LLL '*' + > "$OUT/ldapsearch_ops.ldif"
/usr/sbin/slapd -VV 2>&1 | head -1 > "$OUT/version.txt" || true
