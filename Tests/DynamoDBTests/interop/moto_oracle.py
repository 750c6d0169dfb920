#!/usr/bin/env python3
"""Oracle for the DynamoDB connector's interop tests (moto 5.2.1 + boto3).

Starts a moto server on 127.0.0.1 (a free port), creates a table `Users` with `--items` items holding every
AttributeValue type and non-ASCII text, and writes what boto3 reads back (a full Scan, each item decoded
by boto3's TypeDeserializer and flattened the way the connector documents) to `--expected` as JSON:
  {"<externalId>": {"status": 0|1, "attributes": {"<dotted name>": ["value", ...]}}, ...}
Numbers are `str(Decimal)`, booleans `true`/`false`, binaries base64, NULL omitted, maps dotted.

With `--auth`, moto checks SigV4 signatures (INITIAL_NO_AUTH_ACTION_COUNT): the free actions create an
IAM user, its access key and policy, and the table; the items are then written with the new key.

Prints one JSON line {"port", "accessKeyId", "secretAccessKey"} on stdout when ready, then serves until
stdin reaches EOF (the test closes it, or dies), and stops the server.
"""
import argparse
import base64
import json
import os
import random
import sys
from decimal import Decimal

parser = argparse.ArgumentParser()
parser.add_argument("--items", type=int, default=3000)
parser.add_argument("--expected", required=True)
parser.add_argument("--auth", action="store_true")
args = parser.parse_args()

if args.auth:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from boto3.dynamodb.types import Binary, TypeDeserializer  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
port = server._server.port
endpoint = f"http://127.0.0.1:{port}"


def client(service, key="testing", secret="testing"):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret)


key, secret = "testing", "testing"
if args.auth:
    iam = client("iam")
    iam.create_user(UserName="xaas")
    made = iam.create_access_key(UserName="xaas")["AccessKey"]
    key, secret = made["AccessKeyId"], made["SecretAccessKey"]
    iam.put_user_policy(UserName="xaas", PolicyName="ddb", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))

ddb = client("dynamodb")
ddb.create_table(TableName="Users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")

rng = random.Random(20260101)
WORDS = ["Zoë", "Ñandú", "東京", "Straße", "😀", "naïve", "Ωmega", "plain", "O'Brien", "a\"quote", "tab\there", "line\nbreak"]


def number():
    kind = rng.randrange(4)
    if kind == 0:
        return Decimal(rng.randrange(-10**6, 10**6))
    if kind == 1:
        return Decimal(f"{rng.randrange(10**37, 10**38)}")  # 38 significant digits
    if kind == 2:
        return Decimal(f"{rng.randrange(1, 10**6)}.{rng.randrange(0, 100):02d}")
    return Decimal(f"-0.{rng.randrange(1, 10**9):09d}")


def make(i):
    item = {
        "id": f"user-{i:05d}-{rng.choice(WORDS)}",
        "name": " ".join(rng.choice(WORDS) for _ in range(3)),
        "age": Decimal(rng.randrange(18, 90)),
        "score": number(),
        "active": rng.random() < 0.8,
        "nothing": None,
        "tags": set(rng.sample(WORDS, rng.randrange(1, 4))),
        "nums": {number() for _ in range(rng.randrange(1, 4))},
        "photo": Binary(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))),
        "blobs": {Binary(bytes([n, rng.randrange(256)])) for n in range(rng.randrange(1, 3))},
        "list": [rng.choice(WORDS), number(), rng.random() < 0.5],
        "address": {"city": rng.choice(WORDS), "zip": f"{rng.randrange(10**5):05d}", "geo": {"lat": number()}},
    }
    if i % 5 == 0:
        item["empty"] = ""
    if i % 11 == 0:
        del item["tags"]
    return item


writer_ddb = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=key, aws_secret_access_key=secret)
with writer_ddb.Table("Users").batch_writer() as batch:
    for i in range(args.items):
        batch.put_item(Item=make(i))


def flatten(name, value, out):
    if value is None:
        return
    if isinstance(value, bool):
        out.setdefault(name, []).append("true" if value else "false")
    elif isinstance(value, Decimal):
        out.setdefault(name, []).append(str(value))
    elif isinstance(value, str):
        out.setdefault(name, []).append(value)
    elif isinstance(value, Binary):
        out.setdefault(name, []).append(base64.b64encode(value.value).decode())
    elif isinstance(value, (set, list)):
        for v in value:
            flatten(name, v, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{name}.{k}", v, out)
    else:
        raise TypeError(f"{name}: {type(value)}")


deserializer = TypeDeserializer()
expected = {}
reader = client("dynamodb", key, secret)
for page in reader.get_paginator("scan").paginate(TableName="Users"):
    for raw in page["Items"]:
        item = {k: deserializer.deserialize(v) for k, v in raw.items()}
        attributes = {}
        for k, v in item.items():
            flatten(k, v, attributes)
        expected[item["id"]] = {"status": 0 if item.get("active") is True else 1,
                                "attributes": {k: sorted(v) for k, v in attributes.items()}}
with open(args.expected, "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False)

print(json.dumps({"port": port, "accessKeyId": key, "secretAccessKey": secret}), flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
