#!/usr/bin/env python3
"""Okta's Python SDK (PyPI `okta`) in authorizationMode "PrivateKey" against the emulator's token endpoint.

usage: okta_sdk_oauth.py BASE_URL CLIENT_ID KEY_FILE pem|jwk dpop|bearer IDENTITY_SOURCE_ID
Gets a token the SDK's way (private_key_jwt; with dpop the SDK answers the use_dpop_nonce challenge),
then drives identity-source calls with it. Prints what it did; exits 0 when all works.
"""
import asyncio
import json
import os
import sys

os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")

from okta.client import Client as OktaClient  # noqa: E402


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


async def main(base_url, client_id, key_file, key_form, mode, source):
    with open(key_file) as f:
        text = f.read()
    private_key = json.loads(text) if key_form == "jwk" else text
    config = {
        "orgUrl": base_url,
        "authorizationMode": "PrivateKey",
        "clientId": client_id,
        "scopes": ["okta.identitySources.manage"],
        "privateKey": private_key,
        "rateLimit": {"maxRetries": 0},
    }
    if mode == "dpop":
        config["dpopEnabled"] = True
    client = OktaClient(config)

    data, resp, err = await client.create_identity_source_session(source)
    if err is not None:
        fail(f"create session: {err}")
    raw = getattr(resp, "raw_data", None) or b""
    body = json.loads(raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw) if raw else None
    session_id = data.id if data is not None else body["id"]
    print(f"created session {session_id} (HTTP {resp.status_code})")

    data, resp, err = await client.list_identity_source_sessions(source)
    if err is not None:
        fail(f"list sessions (read allowed by manage): {err}")
    print(f"listed {len(data or [])} session(s)")

    _, resp, err = await client.delete_identity_source_session(source, session_id)
    if err is not None:
        fail(f"cancel session: {err}")
    print(f"cancelled session (HTTP {resp.status_code})")
    print("token type:", client.get_request_executor()._oauth._token_type if hasattr(client.get_request_executor(), "_oauth") and client.get_request_executor()._oauth else "?")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 7:
        print(__doc__)
        sys.exit(2)
    asyncio.run(main(*sys.argv[1:]))
