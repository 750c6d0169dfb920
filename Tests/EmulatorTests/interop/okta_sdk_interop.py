#!/usr/bin/env python3
"""Drives a running `xaas emulator` with Okta's official Python SDK (PyPI `okta`), unchanged.

usage: okta_sdk_interop.py BASE_URL TOKEN IDENTITY_SOURCE_ID
Exits 0 when the whole import flow works; prints what failed otherwise.
"""
import asyncio
import json
import os
import sys

# The SDK's supported switch for a plain-http test URL (its env form of `okta.testing.testingDisableHttpsCheck`);
# it must be set before the SDK reads its configuration.
os.environ.setdefault("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")

from okta.client import Client as OktaClient
from okta.models.bulk_upsert_request_body import BulkUpsertRequestBody
from okta.models.bulk_upsert_request_body_profiles_inner import BulkUpsertRequestBodyProfilesInner
from okta.models.identity_source_user_profile_for_upsert import IdentitySourceUserProfileForUpsert


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def session_from(data, resp, err, what):
    """The session of a create/start-import answer. The SDK maps only a 200 body to a model; real Okta
    answers create-session with 201, whose body the SDK leaves in resp.raw_data, so read it from there."""
    if err is not None:
        fail(f"{what}: {err}")
    if data is not None:
        return {"id": data.id, "status": str(getattr(data.status, "value", data.status))}
    raw = getattr(resp, "raw_data", None) or b""
    body = json.loads(raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw)
    return {"id": body["id"], "status": body["status"]}


async def main(base_url, token, source):
    client = OktaClient({
        "orgUrl": base_url,
        "token": token,
        "authorizationMode": "SSWS",
        "rateLimit": {"maxRetries": 2},
    })

    data, resp, err = await client.create_identity_source_session(source)
    session = session_from(data, resp, err, "create session")
    print(f"created session {session['id']} ({session['status']}, HTTP {resp.status_code})")
    if session["status"] != "CREATED":
        fail(f"new session status {session['status']}")

    profiles = [
        BulkUpsertRequestBodyProfilesInner(
            external_id=f"sdk-{i}",
            profile=IdentitySourceUserProfileForUpsert(
                user_name=f"sdk{i}@example.com", email=f"sdk{i}@example.com",
                first_name=f"Sdk{i}", last_name="Interop"),
        )
        for i in range(3)
    ]
    body = BulkUpsertRequestBody(entity_type="USERS", profiles=profiles)
    result = await client.upload_identity_source_data_for_upsert(source, session["id"], body)
    err = result[-1]
    if err is not None:
        fail(f"bulk-upsert: {err}")
    print("bulk-upsert accepted")

    data, resp, err = await client.start_import_from_identity_source(source, session["id"])
    triggered = session_from(data, resp, err, "start import")
    print(f"start-import: {triggered['status']}")
    if triggered["status"] not in ("TRIGGERED", "COMPLETED"):
        fail(f"start-import status {triggered['status']}")

    status = triggered["status"]
    for _ in range(200):
        data, resp, err = await client.get_identity_source_session(source, session["id"])
        status = session_from(data, resp, err, "get session")["status"]
        if status in ("COMPLETED", "ERROR"):
            break
        await asyncio.sleep(0.05)
    print(f"session finished: {status}")
    if status != "COMPLETED":
        fail(f"session ended {status}")

    data, resp, err = await client.list_identity_source_sessions(source)
    if err is not None:
        fail(f"list sessions: {err}")
    active = [s.id for s in (data or [])]
    print(f"active sessions: {active}")
    if session["id"] in active:
        fail("a completed session is still listed as active")

    data, resp, err = await client.get_identity_source_user(source, "sdk-1")
    if err is not None:
        fail(f"get user: {err}")
    if data is None:
        fail("get user returned no user")
    profile = data.profile.to_dict() if data.profile is not None else {}
    print(f"user: id={data.id} externalId={data.external_id} created={data.created} profile={json.dumps(profile)}")
    if data.external_id != "sdk-1" or profile.get("email") != "sdk1@example.com" or not (data.id or "").startswith("0ua"):
        fail("the user read back differs from the one uploaded")

    # An error answer reaches the SDK as an Okta error with the code.
    data, resp, err = await client.get_identity_source_user(source, "nobody")
    if err is None:
        fail("an unknown user did not produce an error")
    print(f"unknown user error: {err}")
    if "E0000007" not in str(err) and "404" not in str(err):
        fail(f"unexpected error for an unknown user: {err}")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    asyncio.run(main(*sys.argv[1:]))
