#!/usr/bin/env python3
"""Writes a small directory with hard LDIF values for the slapd round trip (no third-party modules).

usage: generate.py OUT.ldif EXPECTED.json [USERS]

The directory has users with non-ASCII names, leading/trailing spaces, values starting with ':' or
'<', long values that fold (also inside multi-byte characters), binary jpegPhoto values, language
options, an escaped comma and a multi-valued RDN, and groupOfNames / groupOfUniqueNames / posixGroup
groups. EXPECTED.json maps each group's cn to the sorted uids of its members (the memberships the
connector must resolve).
"""
import base64, json, random, sys

out_path, expected_path = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 60
rng = random.Random(20261122)
SUFFIX = "dc=example,dc=com"

def line(attr, value, utf8=False, trailing=False):
    """One attribute line; base64 whenever RFC 2849 requires or advises it (with `utf8`, non-ASCII
    text is written unencoded, as many writers do; with `trailing`, a trailing space is left plain, which
    RFC 2849 only advises against)."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8")
    safe = raw and all(0x20 <= b < 0x7F or (utf8 and b >= 0x80) for b in raw) and raw[:1] not in (b" ", b":", b"<") and (trailing or raw[-1:] != b" ")
    if safe or raw == b"":
        return f"{attr}: {raw.decode('utf-8')}\n"
    return f"{attr}:: {base64.b64encode(raw).decode('ascii')}\n"

def fold(text, width=76):
    """Fold every physical line at `width` bytes (may split UTF-8 sequences: that is the point)."""
    out = []
    for l in text.split("\n"):
        b = l.encode("utf-8")
        if len(b) <= width:
            out.append(b)
            continue
        out.append(b[:width])
        b = b[width:]
        while b:
            out.append(b" " + b[:width - 1])
            b = b[width - 1:]
    return b"\n".join(out)

names = ["Jürgen Müller", "Zoë Ñandú", "李小龍", "Ólafur Þórðarson", "Ærøskøbing Åse", "Łukasz Żółw",
         "Ada Lovelace", "Grace Hopper", "Σωκράτης Παπαδόπουλος", "Иван Петров"]
entries = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
           f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
           f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n"]
users = []
for i in range(count):
    uid = f"user{i:04d}"
    name = names[i % len(names)] + f" {i}"
    given, sn = name.rsplit(" ", 1)[0], name.split(" ")[0]
    utf8 = i % 2 == 0
    if i % 7 == 3:
        rdn = "cn=" + name.replace(",", "\\,") + "\\, Jr."   # escaped comma in the RDN
        cn = name + ", Jr."
    elif i % 7 == 5:
        rdn = f"cn={name}+uid={uid}"                          # multi-valued RDN
        cn = name
    else:
        rdn, cn = f"uid={uid}", name
    dn = f"{rdn},ou=people,{SUFFIX}"
    e = line("dn", dn) + "objectClass: inetOrgPerson\n" + line("uid", uid) + line("cn", cn, utf8) + line("sn", sn, utf8)
    e += line("givenName", given)
    e += line("mail", f"{uid}@example.com") + line("mail", f"{uid}.alt@example.org")
    if i % 4 == 0: e += line("description", "  leading spaces")
    if i % 4 == 1: e += line("description", "trailing spaces  ", trailing=i % 8 == 1)
    if i % 4 == 2: e += line("description", ":starts with a colon")
    if i % 4 == 3: e += line("description", "<starts with less-than")
    e += line("title;lang-de", "Geschäftsführerin" if i % 2 else "Entwickler")
    e += line("street", ("Strøget " * 30 + str(i)), utf8=True)   # long, folds inside ø
    e += line("employeeNumber", str(1000 + i))
    if i % 3 == 0:
        e += line("jpegPhoto", bytes(rng.randrange(256) for _ in range(600 + i)))
    e += line("userPassword", f"{{SSHA}}secret{i}")
    entries.append(e)
    users.append((uid, dn))

expected = {}
def group(cn, cls, attr, members, member_value):
    e = line("dn", f"cn={cn},ou=groups,{SUFFIX}") + f"objectClass: {cls}\n" + line("cn", cn)
    if cls == "posixGroup":
        e += line("gidNumber", str(5000 + len(expected)))
    for uid, dn in members:
        e += line(attr, member_value(uid, dn))
    entries.append(e)
    expected[cn] = sorted(uid for uid, _ in members)

group("everyone", "groupOfNames", "member", users, lambda u, d: d)
group("odd", "groupOfNames", "member", users[1::2], lambda u, d: d.upper() if "\\" not in d else d)
group("unique", "groupOfUniqueNames", "uniqueMember", users[::5], lambda u, d: d)
group("unix", "posixGroup", "memberUid", users[::3], lambda u, d: u)

with open(out_path, "wb") as f:
    f.write(b"\n".join(fold(e.rstrip("\n")) + b"\n" for e in entries))
with open(expected_path, "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
