# Sourced by run.sh and groups-directory.sh: the scratch slapd.conf both directories use.
# write_slapd_conf OUT MAXSIZE : writes OUT/slapd.conf (mdb in OUT/db, suffix dc=example,dc=com,
# rootdn cn=admin,dc=example,dc=com with password "secret", pidfile OUT/slapd.pid).
write_slapd_conf() {
  cat > "$1/slapd.conf" <<EOF_CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $1/slapd.pid
database mdb
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
rootpw secret
directory $1/db
maxsize $2
EOF_CONF
}
