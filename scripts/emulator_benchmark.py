#!/usr/bin/env python3
"""Benchmark of the xaas Okta XaaS emulator: 200-user bulk-upserts per second, and the emulator's memory with a
large directory. Loopback only; bounded in requests and time.

usage: emulator_benchmark.py [--xaas PATH] [--users N] [--sessions-for-rate N]

Starts `xaas emulator --port 0 --config <generated>` (one org, no rate limit, processingDelayMs 0), then
  1. rate: N sessions of 50 bulk-upserts of 200 new users each over one keep-alive connection;
     prints requests/s and users/s for the upload phase (create/trigger/poll excluded);
  2. memory: loads users until the directory holds --users users, waits for processing, and prints the
     emulator's VmRSS (from /proc/PID/status) before and after.
"""
import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

TOKEN = "bench-token"
SOURCE = "0oabench000000000001"


def start(xaas):
    config = {"orgs": [{"name": "bench", "tokens": [TOKEN], "identitySources": [SOURCE],
                        "processingDelayMs": 0, "sessionGate": "activeOnly"}]}
    path = os.path.join(tempfile.mkdtemp(prefix="xaas-emu-bench-"), "emulator.json")
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen([xaas, "emulator", "--port", "0", "--config", path], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on http://"):
        proc.kill()
        sys.exit(f"unexpected first line: {line!r}")
    host, port = line[len("listening on http://"):].split(":")
    return proc, host, int(port)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1


class Client:
    def __init__(self, host, port):
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.headers = {"Authorization": f"SSWS {TOKEN}", "Accept": "application/json",
                        "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        self.conn.request(method, f"/api/v1/identity-sources/{SOURCE}{path}",
                          body=None if body is None else json.dumps(body), headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)


def users(start, count):
    return [{"externalId": f"bench-{i:07d}",
             "profile": {"userName": f"user{i:07d}@example.com", "email": f"user{i:07d}@example.com",
                         "firstName": f"First{i % 997}", "lastName": f"Last{i % 991}", "department": f"D{i % 37}",
                         "title": "Engineer", "city": "Zürich", "countryCode": "CH"}}
            for i in range(start, start + count)]


def run_session(client, first_user, requests, batch=200):
    """One session of `requests` bulk-upserts; returns seconds spent uploading."""
    status, session = client.call("POST", "/sessions")
    if status != 201:
        sys.exit(f"create session: HTTP {status} {session}")
    sid = session["id"]
    bodies = [{"entityType": "USERS", "profiles": users(first_user + k * batch, batch)} for k in range(requests)]
    began = time.perf_counter()
    for body in bodies:
        status, answer = client.call("POST", f"/sessions/{sid}/bulk-upsert", body)
        if status != 202:
            sys.exit(f"bulk-upsert: HTTP {status} {answer}")
    spent = time.perf_counter() - began
    status, _ = client.call("POST", f"/sessions/{sid}/start-import")
    if status != 200:
        sys.exit(f"start-import: HTTP {status}")
    return sid, spent


def wait_idle(client, deadline_s=600):
    end = time.time() + deadline_s
    while time.time() < end:
        status, active = client.call("GET", "/sessions")
        if status == 200 and not active:
            return
        time.sleep(0.05)
    sys.exit("processing did not finish in time")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--xaas", default=os.path.join(here, "..", ".build", "release", "xaas"))
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--sessions-for-rate", type=int, default=4)
    args = parser.parse_args()
    proc, host, port = start(args.xaas)
    try:
        client = Client(host, port)
        print(f"emulator pid {proc.pid} on {host}:{port}; RSS at start {rss_mb(proc.pid):.1f} MB")
        loaded = 0
        upload_time = 0.0
        for _ in range(args.sessions_for_rate):
            _, spent = run_session(client, loaded, 50)
            upload_time += spent
            loaded += 50 * 200
        wait_idle(client)
        requests = args.sessions_for_rate * 50
        print(f"rate: {requests} bulk-upserts of 200 users in {upload_time:.2f} s = "
              f"{requests / upload_time:.0f} requests/s, {requests * 200 / upload_time:.0f} users/s (one connection)")
        began = time.perf_counter()
        while loaded < args.users:
            n = min(50, (args.users - loaded + 199) // 200)
            run_session(client, loaded, n)
            loaded += n * 200
            wait_idle(client)
        if args.users > 0:
            total = time.perf_counter() - began
            print(f"load: {loaded} users in the directory after {total:.1f} s more; RSS {rss_mb(proc.pid):.1f} MB")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
