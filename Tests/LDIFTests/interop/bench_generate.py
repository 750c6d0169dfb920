#!/usr/bin/env python3
"""Writes a slapcat-shaped LDIF export for the performance benchmark (no third-party modules).

usage: bench_generate.py OUT.ldif USERS [GROUPS] [MEMBERS_PER_GROUP]

Each user looks like a slapcat inetOrgPerson entry (entryUUID, operational attributes, a base64
non-ASCII cn on every 10th entry, a folded long description); groups are groupOfNames whose members
are spread over the users.
"""
import base64, sys, uuid

out_path, users = sys.argv[1], int(sys.argv[2])
groups = int(sys.argv[3]) if len(sys.argv) > 3 else 100
per_group = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
S = "dc=example,dc=com"
with open(out_path, "w", encoding="utf-8", newline="\n") as f:
    f.write(f"dn: {S}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n")
    f.write(f"dn: ou=people,{S}\nobjectClass: organizationalUnit\nou: people\n\n")
    for i in range(users):
        cn = f"J\u00fcrgen M\u00fcller {i}" if i % 10 == 0 else f"User Number {i}"
        cn_line = f"cn:: {base64.b64encode(cn.encode()).decode()}" if i % 10 == 0 else f"cn: {cn}"
        desc = f"Employee {i} of the example company, working in department {i % 97} on floor {i % 13}, desk {i}"
        desc_line = "description: " + desc[:64] + "\n " + desc[64:]
        f.write(
            f"dn: uid=u{i:07d},ou=people,{S}\n"
            "objectClass: inetOrgPerson\n"
            f"uid: u{i:07d}\n{cn_line}\nsn: Number{i}\ngivenName: User\n"
            f"mail: u{i:07d}@example.com\nemployeeNumber: {i}\n{desc_line}\n"
            "structuralObjectClass: inetOrgPerson\n"
            f"entryUUID: {uuid.UUID(int=i + 1)}\n"
            "creatorsName: cn=admin,dc=example,dc=com\ncreateTimestamp: 20261122000000Z\n"
            f"entryCSN: 20261122000000.000000Z#{i % 0xffffff:06x}#000#000000\n"
            "modifiersName: cn=admin,dc=example,dc=com\nmodifyTimestamp: 20261122000000Z\n\n")
    f.write(f"dn: ou=groups,{S}\nobjectClass: organizationalUnit\nou: groups\n\n")
    for g in range(groups):
        f.write(f"dn: cn=group{g},ou=groups,{S}\nobjectClass: groupOfNames\ncn: group{g}\n")
        f.write(f"entryUUID: {uuid.UUID(int=10**9 + g)}\n")
        for k in range(per_group):
            f.write(f"member: uid=u{(g * 7919 + k * 104729) % users:07d},ou=people,{S}\n")
        f.write("\n")
