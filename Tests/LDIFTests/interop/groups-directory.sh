#!/bin/sh
# A scratch OpenLDAP directory for the groups end-to-end test (Tests/GroupSyncTests/GroupSlapdTests.swift).
#
# usage: groups-directory.sh start OUT INPUT.ldif   load INPUT with slapadd, start slapd on a free loopback port
#        groups-directory.sh dump OUT                slapcat → OUT/dump.ldif; ldapsearch of the groups → OUT/groups.ldif
#        groups-directory.sh modify OUT CHANGES.ldif  ldapmodify against the running slapd
#        groups-directory.sh stop OUT
# Exit status 77 when slapd / ldap-utils are not installed (apt-get install -y slapd ldap-utils).
set -eu
. "$(cd "$(dirname "$0")" && pwd)/slapd-conf.sh"
CMD=$1
OUT=$2
for tool in /usr/sbin/slapadd /usr/sbin/slapcat /usr/sbin/slapd /usr/bin/ldapsearch /usr/bin/ldapmodify; do
  [ -x "$tool" ] || { echo "missing $tool (apt-get install -y slapd ldap-utils)" >&2; exit 77; }
done
URL() { echo "ldap://127.0.0.1:$(cat "$OUT/port")/"; }
AUTH="-x -D cn=admin,dc=example,dc=com -w secret"
case "$CMD" in
start)
  mkdir -p "$OUT/db"
  write_slapd_conf "$OUT" 10485760
  /usr/sbin/slapadd -q -f "$OUT/slapd.conf" -l "$3"
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' > "$OUT/port"
  # Started with every inherited descriptor closed: the daemon must not hold the caller's pipes open.
  python3 -c 'import subprocess, sys; subprocess.run(sys.argv[1:], close_fds=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)' \
    /usr/sbin/slapd -f "$OUT/slapd.conf" -h "$(URL)"
  i=0
  until /usr/bin/ldapsearch $AUTH -H "$(URL)" -b "" -s base >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "slapd did not start" >&2; exit 1; }; sleep 0.1
  done
  ;;
dump)
  /usr/sbin/slapcat -f "$OUT/slapd.conf" -l "$OUT/dump.ldif.new"
  mv "$OUT/dump.ldif.new" "$OUT/dump.ldif"
  /usr/bin/ldapsearch $AUTH -H "$(URL)" -LLL -o ldif_wrap=no -b ou=groups,dc=example,dc=com \
    '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))' \
    cn member uniqueMember memberUid > "$OUT/groups.ldif"
  ;;
modify)
  /usr/bin/ldapmodify $AUTH -H "$(URL)" -f "$3" >/dev/null
  ;;
stop)
  kill "$(cat "$OUT/slapd.pid")" 2>/dev/null || true
  ;;
esac
