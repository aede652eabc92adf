"""`ferry server` end to end: a real server process on a free port, its REST API
called with requests, tasks run against the real S3 servers of the test bed and
every copied object checked with boto3."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import pytest
import requests
from botocore.config import Config

from conftest import pattern
from reliability import (CompletionWatch, assert_finished_parts_kept, fault_proxy,  # noqa: F401
                         part_snapshot, recorded_parts)

MIB = 1024 * 1024
ADMIN_PASSWORD = "admin-password-for-tests"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=60, interval=0.1):
    """Polls `predicate` until it returns something truthy; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)  # a polling interval, not a synchronisation
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class FerryServer:
    """One `ferry server` process on a data folder; restartable on the same folder."""

    def __init__(self, ferry_bin, root, admin_password=ADMIN_PASSWORD, extra_env=None,
                 extra_args=None):
        self.ferry_bin = ferry_bin
        self.root = root
        self.data = os.path.join(root, "data")
        self.local = os.path.join(root, "local")
        os.makedirs(self.local, exist_ok=True)
        self.admin_password = admin_password
        self.extra_env = extra_env or {}
        # The test bed listens on loopback, which a server refuses as a target by default.
        self.extra_args = ["--allow-target", "loopback"] if extra_args is None else extra_args
        self.proc = None
        self.starts = 0

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["HOME"] = self.root
        if self.admin_password is not None:
            env["FERRY_ADMIN_PASSWORD"] = self.admin_password
        env.update(self.extra_env)
        self.starts += 1
        self.stdout_path = os.path.join(self.root, f"stdout-{self.starts}.log")
        self.stderr_path = os.path.join(self.root, f"stderr-{self.starts}.log")
        self.proc = subprocess.Popen(
            [self.ferry_bin, "server", "--data", self.data, "--listen", f"127.0.0.1:{self.port}",
             "--local-root", self.local, "-v", *self.extra_args],
            stdout=open(self.stdout_path, "w"), stderr=open(self.stderr_path, "w"), env=env)

        def healthy():
            assert self.proc.poll() is None, f"ferry server exited: {self.logs()}"
            try:
                return requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200
            except requests.ConnectionError:
                return False
        wait_for("the server's /api/v1/health", healthy, timeout=30, interval=0.05)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()
                raise
            # A clean stop exits 0; under ASan/UBSan a memory error or leak would not.
            assert self.proc.returncode == 0, f"exit {self.proc.returncode}: {self.logs()[-4000:]}"

    def logs(self):
        out = []
        for n in range(1, self.starts + 1):
            for kind in ["stdout", "stderr"]:
                path = os.path.join(self.root, f"{kind}-{n}.log")
                if os.path.exists(path):
                    out.append(open(path, errors="replace").read())
        return "\n".join(out)


class Api:
    """requests against one server, as one user."""

    def __init__(self, server, token=None):
        self.server = server
        self.token = token

    def call(self, method, path, body=None, token="default", **kw):
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.server.url + path, json=body, headers=headers,
                                timeout=60, **kw)

    def ok(self, method, path, body=None, status=200, **kw):
        r = self.call(method, path, body, **kw)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def login(self, username, password):
        r = requests.post(self.server.url + "/api/v1/auth/login",
                          json={"username": username, "password": password}, timeout=60)
        assert r.status_code == 200, r.text
        return Api(self.server, r.json()["token"])

    def wait_task(self, task_id, states, timeout=120):
        def done():
            task = self.ok("GET", f"/api/v1/tasks/{task_id}")
            return task if task["state"] in states else None
        return wait_for(f"task {task_id} to be {states}", done, timeout=timeout, interval=0.1)

    def runs(self, task_id):
        return self.ok("GET", f"/api/v1/tasks/{task_id}/runs")["runs"]


@pytest.fixture
def server(ferry_bin, tmp_path):
    srv = FerryServer(ferry_bin, str(tmp_path / "server")).start()
    yield srv
    srv.stop()


@pytest.fixture
def admin(server):
    return Api(server).login("admin", ADMIN_PASSWORD)


def endpoint(testbed, name, credential):
    return {"endpoint": testbed[name]["endpoint"], "path_style": True, "credential": credential,
            "region": testbed[name]["region"]}


def store_credential(api, testbed, name, server_name, also=()):
    """Stores that server's keys, bound to its endpoint and to `also` (a proxy's)."""
    s = testbed[server_name]
    api.ok("POST", "/api/v1/credentials", {"name": name, "access_key_id": s["access_key"],
                                           "secret_access_key": s["secret_key"],
                                           "endpoints": [s["endpoint"], *also]}, status=201)


def objects(client, bucket):
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


# --- authentication and roles -------------------------------------------------------------

# Every route with an example path; the role each method needs. Self-service routes
# (login, logout, me, own tokens) are open to every role.
ROUTES = [
    ("GET", "/api/v1/openapi.json", "viewer"), ("GET", "/metrics", "viewer"),
    ("POST", "/api/v1/auth/logout", "viewer"), ("GET", "/api/v1/auth/me", "viewer"),
    ("GET", "/api/v1/tasks", "viewer"), ("POST", "/api/v1/tasks", "operator"),
    ("GET", "/api/v1/tasks/ID", "viewer"), ("PUT", "/api/v1/tasks/ID", "operator"),
    ("DELETE", "/api/v1/tasks/ID", "operator"), ("POST", "/api/v1/tasks/ID/start", "operator"),
    ("POST", "/api/v1/tasks/ID/stop", "operator"), ("GET", "/api/v1/tasks/ID/runs", "viewer"),
    ("GET", "/api/v1/tasks/ID/logs", "viewer"), ("GET", "/api/v1/runs/ID", "viewer"),
    ("GET", "/api/v1/users", "admin"), ("POST", "/api/v1/users", "admin"),
    ("PUT", "/api/v1/users/NAME", "admin"), ("DELETE", "/api/v1/users/NAME", "admin"),
    ("GET", "/api/v1/tokens", "viewer"),
    ("POST", "/api/v1/tokens", "operator"), ("DELETE", "/api/v1/tokens/ID", "viewer"),
    ("GET", "/api/v1/credentials", "viewer"), ("POST", "/api/v1/credentials", "operator"),
    ("PUT", "/api/v1/credentials/NAME", "operator"),
    ("DELETE", "/api/v1/credentials/NAME", "operator"),
    ("PATCH", "/api/v1/tasks/ID", "operator"), ("GET", "/api/v1/auth/session", "viewer"),
    ("DELETE", "/api/v1/auth/session", "viewer"), ("GET", "/api/v1/schedules/next", "viewer"),
    ("GET", "/api/v1/runs/ID/series", "viewer"), ("POST", "/api/v1/runs/ID/retry", "operator"),
]
# Routes that need no token: sign-in and what the console shows before it.
OPEN_ROUTES = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/login"),
               ("POST", "/api/v1/auth/session"), ("GET", "/api/v1/auth/providers"),
               ("GET", "/api/v1/auth/oidc/login"), ("GET", "/api/v1/auth/oidc/callback")}


def test_routes_match_the_openapi_document(admin):
    doc = admin.ok("GET", "/api/v1/openapi.json")
    assert doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops
                  if m in ("get", "post", "put", "patch", "delete")}
    tested = {(m, re.sub(r"/(ID|NAME)(?=/|$)", "/{x}", p)) for m, p, _ in ROUTES}
    documented = {(m, re.sub(r"\{[a-z]+\}", "{x}", p)) for m, p in documented}
    assert documented - OPEN_ROUTES == tested


def test_every_route_but_health_refuses_anonymous_and_bad_tokens(server):
    assert requests.get(server.url + "/api/v1/health").json()["status"] == "ok"
    for method, path, _ in ROUTES:
        for headers in [{}, {"Authorization": "Bearer fy_not-a-token"},
                        {"Authorization": "Basic YWRtaW46eA=="}]:
            r = requests.request(method, server.url + path, json={}, headers=headers)
            assert r.status_code == 401, f"{method} {path} {headers}: {r.status_code}"
            assert r.json()["error"]["code"] == "unauthenticated"


def test_viewer_and_operator_are_refused_what_their_role_does_not_allow(server, admin):
    admin.ok("POST", "/api/v1/users", {"username": "vera", "password": "viewer-pass",
                                       "role": "viewer"}, status=201)
    admin.ok("POST", "/api/v1/users", {"username": "otto", "password": "operator-pass",
                                       "role": "operator"}, status=201)
    viewer = Api(server).login("vera", "viewer-pass")
    operator = Api(server).login("otto", "operator-pass")
    rank = {"viewer": 0, "operator": 1, "admin": 2}
    for api, role in [(viewer, "viewer"), (operator, "operator")]:
        for method, path, needs in ROUTES:
            if rank[needs] <= rank[role]:
                continue
            r = api.call(method, path, {})
            assert r.status_code == 403, f"{role} {method} {path}: {r.status_code} {r.text}"
            assert f"needs the role {needs}" in r.json()["error"]["message"]
    # What the viewer may do, it can; it changed nothing on the way.
    assert viewer.ok("GET", "/api/v1/tasks")["tasks"] == []
    assert viewer.ok("GET", "/api/v1/auth/me")["role"] == "viewer"
    assert admin.ok("GET", "/api/v1/credentials")["credentials"] == []
    assert {u["username"] for u in admin.ok("GET", "/api/v1/users")["users"]} == {
        "admin", "otto", "vera"}


def test_wrong_password_and_revoked_tokens_are_refused(server, admin):
    r = requests.post(server.url + "/api/v1/auth/login",
                      json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401
    r = requests.post(server.url + "/api/v1/auth/login",
                      json={"username": "nobody", "password": "wrong"})
    assert r.status_code == 401
    issued = admin.ok("POST", "/api/v1/tokens", {"name": "ci"}, status=201)
    ci = Api(server, issued["token"])
    assert ci.ok("GET", "/api/v1/auth/me")["username"] == "admin"
    listed = admin.ok("GET", "/api/v1/tokens")["tokens"]
    assert all("token" not in t for t in listed)  # values are shown once, never listed
    admin.ok("DELETE", f"/api/v1/tokens/{issued['id']}", status=204)
    assert ci.call("GET", "/api/v1/auth/me").status_code == 401
    admin.ok("POST", "/api/v1/auth/logout", status=204)
    assert admin.call("GET", "/api/v1/auth/me").status_code == 401
    # An admin cannot delete their own account (there is always an admin left).
    again = Api(server).login("admin", ADMIN_PASSWORD)
    assert again.call("DELETE", "/api/v1/users/admin").status_code == 409


def test_passwords_and_roles_change(server, admin):
    admin.ok("POST", "/api/v1/users", {"username": "pat", "password": "first-pass",
                                       "role": "viewer"}, status=201)
    pat = Api(server).login("pat", "first-pass")
    # Anyone may change their own password, giving the current one; it ends their sessions.
    r = pat.call("PUT", "/api/v1/users/pat", {"password": "second-pass"})
    assert r.status_code == 400 and "current_password" in r.text
    r = pat.call("PUT", "/api/v1/users/pat", {"password": "second-pass",
                                              "current_password": "wrong-guess"})
    assert r.status_code == 403
    pat.ok("PUT", "/api/v1/users/pat", {"password": "second-pass",
                                        "current_password": "first-pass"})
    assert pat.call("GET", "/api/v1/auth/me").status_code == 401
    pat = Api(server).login("pat", "second-pass")
    r = pat.call("PUT", "/api/v1/users/pat", {"role": "admin"})
    assert r.status_code == 403  # but not their role
    assert admin.ok("PUT", "/api/v1/users/pat", {"role": "operator"})["role"] == "operator"
    assert pat.ok("GET", "/api/v1/auth/me")["role"] == "operator"
    r = admin.call("PUT", "/api/v1/users/admin", {"role": "viewer"})
    assert r.status_code == 409 and "last admin" in r.text
    assert admin.call("PUT", "/api/v1/users/pat", {"password": "short"}).status_code == 400
    assert admin.call("PUT", "/api/v1/users/nobody", {"role": "viewer"}).status_code == 404


def test_repeated_wrong_passwords_lock_the_user_out_for_a_while(server, admin):
    admin.ok("POST", "/api/v1/users", {"username": "guessed", "password": "the-right-one",
                                       "role": "viewer"}, status=201)
    login = lambda password: requests.post(server.url + "/api/v1/auth/login",
                                           json={"username": "guessed", "password": password})
    assert [login(f"guess-{i}").status_code for i in range(5)] == [401] * 5
    locked = login("the-right-one")
    assert locked.status_code == 429 and "try again in" in locked.json()["error"]["message"]
    assert Api(server).login("admin", ADMIN_PASSWORD)  # other users are not affected


def test_first_start_prints_a_random_admin_password_once(ferry_bin, tmp_path):
    srv = FerryServer(ferry_bin, str(tmp_path / "srv"), admin_password=None).start()
    try:
        out = open(srv.stdout_path).read()
        password = re.search(r"account 'admin' with the password (\S+)", out).group(1)
        Api(srv).login("admin", password)
        assert password not in open(srv.stderr_path).read()
    finally:
        srv.stop()
    srv.start()  # the second start creates nothing and prints no password
    try:
        assert "password" not in open(srv.stdout_path).read()
        Api(srv).login("admin", password)
    finally:
        srv.stop()


# --- tasks on real servers ----------------------------------------------------------------

def test_one_time_task_runs_to_completed_and_the_data_is_verified(server, admin, testbed, s3,
                                                                  bucket):
    src, dst = bucket("seaweed_a"), bucket("moto")
    sc, dc = s3("seaweed_a"), s3("moto")
    expected = {f"dir/obj-{i}": pattern(1000 + i * 777, seed=i) for i in range(20)}
    expected["big.bin"] = pattern(12 * MIB, seed=99)  # multipart at a 5 MiB threshold
    for key, data in expected.items():
        sc.put_object(Bucket=src, Key=key, Body=data)
    store_credential(admin, testbed, "src-keys", "seaweed_a")
    store_credential(admin, testbed, "dst-keys", "moto")
    assert [c["name"] for c in admin.ok("GET", "/api/v1/credentials")["credentials"]] == [
        "dst-keys", "src-keys"]

    started = time.monotonic()
    task = admin.ok("POST", "/api/v1/tasks", {
        "name": "one-time", "source": f"s3://{src}", "destination": f"s3://{dst}/copy",
        "source_endpoint": endpoint(testbed, "seaweed_a", "src-keys"),
        "destination_endpoint": endpoint(testbed, "moto", "dst-keys"),
        "options": {"multipart_threshold": "5M", "part_size": "5M"}}, status=201)
    assert task["state"] == "Created"
    assert admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)["state"] == "Running"
    done = admin.wait_task(task["id"], {"Completed", "Failed"})
    elapsed = time.monotonic() - started
    assert done["state"] == "Completed", done["last_error"]

    copied = objects(dc, dst)
    assert copied == {f"copy/{k}": v for k, v in expected.items()}
    [run] = admin.runs(task["id"])
    assert run["state"] == "Completed" and run["trigger"] == "start"
    p = run["progress"]
    assert p["objects_done"] == p["objects_total"] == 21
    assert p["bytes_done"] == p["bytes_total"] == sum(len(v) for v in expected.values())
    assert p["failed"] == 0 and p["failures"] == [] and p["eta_seconds"] == 0
    assert admin.ok("GET", f"/api/v1/runs/{run['id']}")["id"] == run["id"]
    logs = admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]
    assert "completed: listed 21" in logs[-1]["message"]
    print(f"one-time task of 21 objects ({p['bytes_done']} bytes): {elapsed:.2f} s to Completed")

    # Starting it again copies nothing: the destination already matches.
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    admin.wait_task(task["id"], {"Completed"})
    assert admin.runs(task["id"])[0]["progress"]["matched"] == 21
    assert admin.runs(task["id"])[0]["progress"]["objects_done"] == 0

    # Secrets: never in the API, the logs, or the database in clear.
    secret = testbed["seaweed_a"]["secret_key"]
    everything = json.dumps([admin.ok("GET", "/api/v1/tasks"), admin.ok("GET", "/api/v1/credentials")])
    assert secret not in everything
    assert secret not in server.logs()
    with open(os.path.join(server.data, "ferry.db"), "rb") as f:
        assert secret.encode() not in f.read()
    assert oct(os.stat(os.path.join(server.data, "secret.key")).st_mode & 0o777) == "0o600"
    # Metrics count what the runs did.
    metrics = admin.call("GET", "/metrics").text
    assert 'ferry_tasks{state="Completed"} 1' in metrics
    assert "ferry_objects_copied_total 21" in metrics
    assert requests.get(server.url + "/metrics").status_code == 401


def test_fixed_rate_schedule_fires_again_and_copies_only_new_objects(server, admin, testbed, s3,
                                                                     bucket):
    # rate(N seconds) is a documented schedule (README), so the test need not wait
    # for a one-minute tick: the code path is the same as for rate(1 hour).
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    for i in range(3):
        sc.put_object(Bucket=src, Key=f"old-{i}", Body=pattern(100, seed=i))
    store_credential(admin, testbed, "src", "moto")
    store_credential(admin, testbed, "dst", "seaweed_b")
    task = admin.ok("POST", "/api/v1/tasks", {
        "source": f"s3://{src}", "destination": f"s3://{dst}", "schedule": "rate(3 seconds)",
        "source_endpoint": endpoint(testbed, "moto", "src"),
        "destination_endpoint": endpoint(testbed, "seaweed_b", "dst")}, status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    wait_for("the first run", lambda: any(r["state"] == "Completed"
                                          for r in admin.runs(task["id"])))
    waiting = admin.wait_task(task["id"], {"Waiting"})
    assert waiting["next_run_at"] is not None
    for i in range(2):
        sc.put_object(Bucket=src, Key=f"new-{i}", Body=pattern(200, seed=10 + i))

    def second_copy():
        runs = [r for r in admin.runs(task["id"]) if r["state"] == "Completed"]
        return runs if any(r["number"] > 1 and r["progress"]["objects_done"] > 0
                           for r in runs) else None
    runs = sorted(wait_for("a scheduled run that copies the new objects", second_copy,
                           timeout=60), key=lambda r: r["number"])
    assert runs[0]["progress"]["objects_done"] == 3 and runs[0]["trigger"] == "start"
    later = [r for r in runs[1:] if r["progress"]["objects_done"] > 0]
    assert {r["trigger"] for r in runs[1:]} == {"schedule"}
    assert later[0]["progress"]["matched"] >= 3  # the old objects are seen, not copied
    # Only the new ones, nothing twice (normally both in the second run).
    assert sum(r["progress"]["objects_done"] for r in later) == 2
    assert sum(r["progress"]["objects_done"] for r in runs) == 5
    assert set(objects(dc, dst)) == {"old-0", "old-1", "old-2", "new-0", "new-1"}
    stopped = admin.ok("POST", f"/api/v1/tasks/{task['id']}/stop")
    assert stopped["state"] == "Stopped" and stopped["next_run_at"] is None


def slow_task(admin, testbed, s3, bucket, sizes, bwlimit="3M", dst_endpoint=None):
    """A task copying seaweed_a -> seaweed_b in 5 MiB parts, slowed by --bwlimit
    (`dst_endpoint`: reach seaweed_b there, through a proxy)."""
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    sc = s3("seaweed_a")
    expected = {}
    for i, size in enumerate(sizes):
        expected[f"big-{i}.bin"] = pattern(size, seed=20 + i)
        sc.put_object(Bucket=src, Key=f"big-{i}.bin", Body=expected[f"big-{i}.bin"])
    store_credential(admin, testbed, "a", "seaweed_a")
    store_credential(admin, testbed, "b", "seaweed_b", also=[dst_endpoint] if dst_endpoint else [])
    task = admin.ok("POST", "/api/v1/tasks", {
        "source": f"s3://{src}", "destination": f"s3://{dst}",
        "source_endpoint": endpoint(testbed, "seaweed_a", "a"),
        "destination_endpoint": {**endpoint(testbed, "seaweed_b", "b"),
                                 **({"endpoint": dst_endpoint} if dst_endpoint else {})},
        "options": {"multipart_threshold": "5M", "part_size": "5M", "bwlimit": bwlimit,
                    "transfers": 8}}, status=201)
    return task, dst, expected


def wait_bytes(admin, task_id, at_least):
    def progressed():
        runs = admin.runs(task_id)
        return runs and runs[0]["state"] == "Running" and \
            runs[0]["progress"]["bytes_done"] >= at_least and runs[0]
    return wait_for(f"{at_least} bytes copied", progressed, timeout=60, interval=0.05)


def test_kill_9_mid_run_then_restart_resumes_the_run(server, admin, testbed, s3, bucket,
                                                      fault_proxy):
    # The destination is reached through a proxy: it shows the resumed run's requests,
    # and ListParts just before the completion.
    proxy = fault_proxy("seaweed_b")
    task, dst, expected = slow_task(admin, testbed, s3, bucket, [20 * MIB],
                                    dst_endpoint=proxy.url)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    running = wait_bytes(admin, task["id"], 6 * MIB)
    live = running["progress"]
    assert live["bytes_total"] == 20 * MIB and live["throughput_bytes_per_second"] > 0
    dc = s3("seaweed_b")
    before = part_snapshot(dc, dst)
    server.kill9()
    recorded = recorded_parts(os.path.join(server.data, "tasks", task["id"]))

    watch = CompletionWatch(dc, dst)
    proxy.set_rules([watch.rule()])
    first_resumed_request = len(proxy.records())
    server.start()  # same data folder, a new port
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    done = admin.wait_task(task["id"], {"Completed", "Failed"})
    assert done["state"] == "Completed", done["last_error"]
    [run] = admin.runs(task["id"])
    assert run["id"] == running["id"] and run["resumes"] == 1
    # Finished parts were not sent again: unchanged in ListParts, no UploadPart for them.
    kept = assert_finished_parts_kept(before, recorded, watch,
                                      proxy.records()[first_resumed_request:])
    assert kept >= 1, (before, recorded)
    assert objects(dc, dst) == expected
    assert dc.list_multipart_uploads(Bucket=dst).get("Uploads", []) == []
    messages = [e["message"] for e in admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]]
    assert any("resumed after a server restart" in m for m in messages)


def test_stop_checkpoints_uploads_and_delete_aborts_them(server, admin, testbed, s3, bucket):
    task, dst, _ = slow_task(admin, testbed, s3, bucket, [30 * MIB])
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    wait_bytes(admin, task["id"], 5 * MIB)
    # Running (25 MiB to go at 3 MB/s): a second start is refused.
    again = admin.call("POST", f"/api/v1/tasks/{task['id']}/start")
    assert again.status_code == 409 and "already running" in again.json()["error"]["message"]
    stopped = admin.ok("POST", f"/api/v1/tasks/{task['id']}/stop")
    assert stopped["state"] == "Stopped"
    [run] = admin.runs(task["id"])
    assert run["state"] == "Stopped" and run["ended_at"] is not None
    dc = s3("seaweed_b")
    # Checkpointed, not orphaned: the next start resumes it ...
    assert len(dc.list_multipart_uploads(Bucket=dst).get("Uploads", [])) == 1
    # ... its destination cannot change under it ...
    moved = {k: v for k, v in task.items() if k in (
        "source", "destination", "source_endpoint", "destination_endpoint", "options")}
    r = admin.call("PUT", f"/api/v1/tasks/{task['id']}", {**moved, "destination": "s3://elsewhere"})
    assert r.status_code == 409 and "1 unfinished multipart upload(s)" in r.text
    # ... a delete that cannot abort it is refused rather than orphan it ...
    admin.ok("DELETE", "/api/v1/credentials/b", status=204)
    r = admin.call("DELETE", f"/api/v1/tasks/{task['id']}")
    assert r.status_code == 409, r.text
    assert "1 unfinished multipart upload(s) that cannot be aborted" in r.json()["error"]["message"]
    assert len(dc.list_multipart_uploads(Bucket=dst).get("Uploads", [])) == 1
    # ... and deleting the task aborts it.
    store_credential(admin, testbed, "b", "seaweed_b")
    admin.ok("DELETE", f"/api/v1/tasks/{task['id']}", status=204)
    assert dc.list_multipart_uploads(Bucket=dst).get("Uploads", []) == []
    assert admin.call("GET", f"/api/v1/tasks/{task['id']}").status_code == 404
    assert not os.path.exists(os.path.join(server.data, "tasks", task["id"]))


def test_graceful_shutdown_mid_run_resumes_on_start(server, admin, testbed, s3, bucket):
    task, dst, expected = slow_task(admin, testbed, s3, bucket, [15 * MIB], bwlimit="4M")
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    running = wait_bytes(admin, task["id"], 5 * MIB)
    server.stop()  # SIGTERM
    # The run had not finished: the object is not there, its upload is.
    dc = s3("seaweed_b")
    assert objects(dc, dst) == {}
    assert len(dc.list_multipart_uploads(Bucket=dst).get("Uploads", [])) == 1
    server.start()
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    assert admin.wait_task(task["id"], {"Completed", "Failed"})["state"] == "Completed"
    [run] = admin.runs(task["id"])
    assert run["id"] == running["id"] and run["resumes"] == 1
    assert objects(dc, dst) == expected


@pytest.mark.parametrize("spec,status,says", [
    ({"source": "s3://a", "destination": "s3://b", "schedule": "cron(0 12 * * 1 *)"}, 400,
     "one of day-of-month and day-of-week must be '?'"),
    ({"source": "s3://a", "destination": "s3://b", "schedule": "61 * * * *"}, 400,
     "the minute field '61' is outside 0-59"),
    ({"source": "s3://a", "destination": "s3://b", "schedule": "cron(0 12 L * ? *)"}, 400,
     "uses L, W or #"),
    ({"source": "s3://a", "destination": "s3://b", "schedule": "rate(0 hours)"}, 400,
     "positive whole number"),
    ({"source": "nowhere:bucket", "destination": "s3://b"}, 400,
     "unknown endpoint 'nowhere'"),
    ({"source": "s3://", "destination": "s3://b"}, 400, "'s3://' has no bucket name"),
    ({"source": "s3://a", "destination": "s3:///prefix"}, 400, "has no bucket name"),
    ({"destination": "s3://b"}, 400, "the task has no source"),
    ({"source": "s3://a"}, 400, "the task has no destination"),
    ({"source": "s3://a", "destination": "s3://b", "optoins": {}}, 400,
     "unknown field 'optoins'"),
    ({"source": "s3://a", "destination": "s3://b", "options": {"transfers": "many"}}, 400,
     "options.transfers must be an integer"),
    ({"source": "s3://a", "destination": "s3://b", "options": {"compare": "md5"}}, 400,
     "md5"),
    ({"source": "s3://a", "destination": "s3://b",
      "source_endpoint": {"credential": "nope"}}, 400, "'nope', which does not exist"),
    ({"source": "/etc", "destination": "s3://b"}, 400, "outside the server's --local-root"),
    ({"source": "s3://a", "destination": "s3://b", "notify": {"sns_topic_arn": "topic"}}, 400,
     "is not an SNS topic ARN"),
    ([1, 2], 400, "must be a JSON object"),
])
def test_malformed_task_specs_are_refused_with_a_clear_message(admin, spec, status, says):
    r = admin.call("POST", "/api/v1/tasks", spec)
    assert r.status_code == status, r.text
    assert says in r.json()["error"]["message"], r.json()
    assert admin.ok("GET", "/api/v1/tasks")["tasks"] == []


def test_not_json_and_unknown_ids_are_client_errors(server, admin):
    r = requests.post(server.url + "/api/v1/tasks", data="{not json",
                      headers={"Authorization": f"Bearer {admin.token}"})
    assert r.status_code == 400 and "not valid JSON" in r.text
    for method, path in [("GET", "/api/v1/tasks/nope"), ("POST", "/api/v1/tasks/nope/start"),
                         ("GET", "/api/v1/runs/nope"), ("GET", "/api/v1/tasks/nope/logs"),
                         ("DELETE", "/api/v1/credentials/nope"), ("GET", "/api/v1/nothing")]:
        assert admin.call(method, path, {}).status_code == 404, (method, path)
    assert admin.call("GET", "/api/v1/tasks/x/logs?limit=0").status_code in (400, 404)


def test_update_only_when_not_running_and_logs_page_and_filter(server, admin):
    src = os.path.join(server.local, "src")
    os.makedirs(src)
    os.makedirs(os.path.join(server.local, "dst"))
    for i in range(3):
        with open(os.path.join(src, f"f{i}"), "w") as f:
            f.write("x" * i)
    spec = {"source": src, "destination": os.path.join(server.local, "dst"),
            "schedule": "rate(1 seconds)"}
    task = admin.ok("POST", "/api/v1/tasks", spec, status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    r = admin.call("PUT", f"/api/v1/tasks/{task['id']}", spec)
    assert r.status_code == 409 and "stop" in r.json()["error"]["hint"]
    wait_for("three runs", lambda: len([r for r in admin.runs(task["id"])
                                        if r["state"] == "Completed"]) >= 3, timeout=30)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/stop")
    updated = admin.ok("PUT", f"/api/v1/tasks/{task['id']}", {**spec, "name": "renamed",
                                                               "schedule": "once"})
    assert updated["name"] == "renamed" and updated["schedule"] == "once"

    base = f"/api/v1/tasks/{task['id']}/logs"
    everything = admin.ok("GET", base + "?limit=1000")["logs"]
    assert len(everything) >= 6
    pages, after = [], 0
    while True:
        page = admin.ok("GET", f"{base}?limit=2&after={after}")
        pages += page["logs"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert [e["id"] for e in pages] == [e["id"] for e in everything]
    first_run = everything[0]["run_id"]
    only = admin.ok("GET", f"{base}?run={first_run}")["logs"]
    assert only and {e["run_id"] for e in only} == {first_run}
    assert admin.ok("GET", f"{base}?level=error")["logs"] == []
    assert admin.call("GET", f"{base}?level=loud").status_code == 400


# --- notifications -----------------------------------------------------------------------

class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def failing_source(s3, bucket):
    """A moto bucket with one good object and one whose key SeaweedFS refuses (over
    1024 bytes): copied to SeaweedFS, that object fails every attempt."""
    src = bucket("moto")
    s3("moto").put_object(Bucket=src, Key="good", Body=b"good")
    long_key = "long/" + "k" * 1100
    s3("moto").put_object(Bucket=src, Key=long_key, Body=b"refused")
    return src, long_key


def test_webhook_and_sns_are_told_of_objects_that_failed_every_attempt(server, admin, testbed,
                                                                      s3, bucket):
    src, long_key = failing_source(s3, bucket)
    dst = bucket("seaweed_b")
    Receiver.received = []
    http = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    moto = testbed["moto"]
    sns = boto3.client("sns", endpoint_url=moto["endpoint"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs = boto3.client("sqs", endpoint_url=moto["endpoint"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"ferry-{uuid.uuid4().hex[:8]}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "true"})
    try:
        store_credential(admin, testbed, "moto", "moto")
        store_credential(admin, testbed, "sw", "seaweed_b")
        task = admin.ok("POST", "/api/v1/tasks", {
            "name": "with failures", "source": f"s3://{src}", "destination": f"s3://{dst}",
            "source_endpoint": endpoint(testbed, "moto", "moto"),
            "destination_endpoint": endpoint(testbed, "seaweed_b", "sw"),
            "options": {"max_attempts": 2},
            "notify": {"webhook": f"http://127.0.0.1:{http.server_port}/hook",
                       "sns_topic_arn": topic, "sns_endpoint": moto["endpoint"],
                       "sns_credential": "moto"}}, status=201)
        admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
        done = admin.wait_task(task["id"], {"Completed", "Failed"})
        assert done["state"] == "Completed"
        [run] = admin.runs(task["id"])
        assert run["progress"]["failed"] == 1 and run["progress"]["objects_done"] == 1
        [failure] = run["progress"]["failures"]
        assert failure["key"] == long_key and "too long" in failure["error"].lower()

        wait_for("the webhook", lambda: Receiver.received, timeout=20)
        content_type, message = Receiver.received[0]
        assert content_type == "application/json"
        assert message["event"] == "run.objects_failed" and message["task_id"] == task["id"]
        assert message["failed"] == 1 and message["failures"][0]["key"] == long_key

        def sqs_message():
            got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
            return got[0] if got else None
        delivered = json.loads(wait_for("the SNS message in SQS", sqs_message, timeout=20)["Body"])
        assert delivered["run_id"] == run["id"] and delivered["failed"] == 1
        logs = [e["message"] for e in admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]]
        assert any(m.startswith("notified the webhook") for m in logs)
        assert any(m.startswith("notified SNS topic") for m in logs)
        errors = admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs?level=error")["logs"]
        assert len(errors) == 1 and long_key in errors[0]["message"]
    finally:
        http.shutdown()


# --- the CLI against the API -------------------------------------------------------------

def test_ferry_task_cli_drives_the_server(server, admin, ferry_bin):
    src = os.path.join(server.local, "cli-src")
    dst = os.path.join(server.local, "cli-dst")
    os.makedirs(src)
    os.makedirs(dst)
    with open(os.path.join(src, "a.txt"), "w") as f:
        f.write("hello")
    env = {**os.environ, "FERRY_SERVER": server.url,
           "XDG_CONFIG_HOME": os.path.join(server.root, "cli-config")}
    env.pop("FERRY_TOKEN", None)

    def ferry(*args, token=True):
        e = dict(env)
        if token:
            e["FERRY_TOKEN"] = admin.token
        return subprocess.run([ferry_bin, *args], capture_output=True, text=True, env=e,
                              timeout=60)

    r = ferry("task", "list", token=False)
    assert r.returncode == 4 and "FERRY_TOKEN" in r.stderr
    login = subprocess.run([ferry_bin, "login", "--server", server.url], input=ADMIN_PASSWORD,
                           capture_output=True, text=True, timeout=60, env=env)
    assert login.returncode == 0 and login.stdout.startswith("fy_")
    r = ferry("task", "create", src, dst, "--name", "from-cli", "--include", "*.txt")
    assert r.returncode == 0, r.stderr
    task_id = r.stdout.strip()
    assert ferry("task", "start", task_id).stdout.strip() == f"{task_id} Running"
    admin.wait_task(task_id, {"Completed"})
    assert open(os.path.join(dst, "a.txt")).read() == "hello"
    listing = ferry("task", "list").stdout
    assert task_id in listing and "Completed" in listing and "from-cli" in listing
    env["FERRY_SERVER"] = "http://127.0.0.1:1"  # --server wins, before or after the action
    assert task_id in ferry("task", "list", "--server", server.url).stdout
    assert task_id in ferry("task", "--server", server.url, "list").stdout
    r = ferry("task", "list")
    assert r.returncode == 4 and "cannot reach the ferry server at http://127.0.0.1:1" in r.stderr
    env["FERRY_SERVER"] = server.url
    shown = json.loads(ferry("task", "show", task_id).stdout)
    assert shown["options"]["filters"] == [{"include": "*.txt"}]
    assert shown["runs"][0]["progress"]["objects_done"] == 1
    assert "completed: listed 1" in ferry("task", "logs", task_id).stdout
    r = ferry("task", "create", "s3://a", "s3://b", "--schedule", "cron(0 12 * * *)")
    assert r.returncode == 2 and "cron(...) takes 6 fields" in r.stderr
    assert ferry("task", "stop", task_id).returncode == 0
    assert ferry("task", "delete", task_id).returncode == 0
    r = ferry("task", "show", task_id)
    assert r.returncode == 4 and f"no task '{task_id}'" in r.stderr


# --- fuzzing ---------------------------------------------------------------------------

def test_openapi_fuzzing_finds_no_server_error_and_answers_match_the_document(server, admin,
                                                                            tmp_path):
    if shutil.which("st") is None and shutil.which("schemathesis") is None:
        pytest.fail("schemathesis is not installed: scripts/install-deps.sh installs it")
    token = admin.ok("POST", "/api/v1/tokens", {"name": "fuzz"}, status=201)["token"]
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(admin.ok("GET", "/api/v1/openapi.json")))
    cli = shutil.which("st") or shutil.which("schemathesis")
    # Bounded: a few examples per operation, no stateful phase (it would chain a created
    # task into /start), and neither /start, /retry (which start runs) nor logout
    # (which would revoke the token).
    r = subprocess.run(
        [cli, "run", str(schema), "--url", server.url, "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error,response_schema_conformance,"
         "status_code_conformance,content_type_conformance", "--max-examples", "15", "--phases",
         "examples,coverage,fuzzing", "--exclude-path-regex", "/start$|/logout$|/retry$",
         "--max-time", "45", "--seed", "1", "--request-timeout", "20",
         "--suppress-health-check", "all"],
        capture_output=True, text=True, timeout=240, cwd=str(tmp_path))
    print(r.stdout[-3000:])
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert not re.findall(r"http \S+ \S+ 5\d\d", server.logs())
