#!/usr/bin/env python3
"""Differential oracle: parses an LDIF file with python-ldap's `ldif` module and prints its entries
as JSON, in file order: [{"dn": str, "attributes": [[key, [base64 value, ...]], ...]}, ...].

`key` is the attribute description normalised as the xaas LDIF connector documents it: type and
options lowercased, options sorted, `;`-joined; descriptions equal under that rule are merged in
order of first appearance. `userPassword` is dropped (the connector never emits it). Records that
are not entries — ldapsearch's `search:`/`result:` trailers — are removed before parsing, because
python-ldap rejects them.

usage: oracle.py FILE.ldif   (needs python-ldap: apt-get install python3-ldap, or pip install python-ldap)
"""
import base64, io, json, sys
import ldif

def strip_trailers(data: bytes) -> bytes:
    out, block = [], []
    def flush():
        first = next((l for l in block if l and not l.startswith(b"#")), b"")
        if not (first.startswith(b"search:") or first.startswith(b"result:")):
            out.extend(block)
        out.append(b"")
        block.clear()
    for line in data.replace(b"\r\n", b"\n").split(b"\n"):
        if line == b"":
            flush()
        else:
            block.append(line)
    flush()
    return b"\n".join(out)

def key(description: str) -> str:
    parts = description.lower().split(";")
    return ";".join([parts[0]] + sorted(parts[1:]))

with open(sys.argv[1], "rb") as f:
    data = strip_trailers(f.read())
parser = ldif.LDIFRecordList(io.BytesIO(data))
parser.parse()
entries = []
for dn, attributes in parser.all_records:
    merged = {}
    for name, values in attributes.items():
        k = key(name)
        if k == "userpassword":
            continue
        merged.setdefault(k, []).extend(base64.b64encode(v).decode("ascii") for v in values)
    entries.append({"dn": dn, "attributes": [[k, v] for k, v in merged.items()]})
json.dump(entries, sys.stdout, ensure_ascii=False)
