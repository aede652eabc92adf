"""What the web console added to `ferry server`, through its API and the `ferry`
command: browser sessions with CSRF protection, schedule previews, a run's
progress series, retrying a run's failed objects, PATCH of a task, paged task
lists, and the CLI's credential, user, token and task update commands. The
console itself is driven in a browser by console/tests (Playwright)."""
import os
import subprocess

import requests

from conftest import pattern  # noqa: F401  (the shared fixtures)
from test_server import (ADMIN_PASSWORD, Api, admin, endpoint, failing_source,  # noqa: F401
                         server, store_credential, wait_for)


PUBLIC = {"no_sign_request": True}  # sides that need no stored credential


def cli(ferry_bin, server, *args, token=None, env=None, stdin=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("FERRY_")}
    e["FERRY_SERVER"] = server.url
    e["HOME"] = server.root
    if token:
        e["FERRY_TOKEN"] = token
    e.update(env or {})
    return subprocess.run([ferry_bin, *args], capture_output=True, text=True, env=e,
                          input=stdin, timeout=60)


def test_a_browser_session_is_a_cookie_and_state_changes_need_its_csrf_token(server):
    s = requests.Session()
    r = s.post(server.url + "/api/v1/auth/session",
               json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; Secure over TLS
    csrf = r.json()["csrf_token"]
    assert r.json()["role"] == "admin" and len(csrf) == 64
    # Reads need only the cookie; a state change needs the token too.
    assert s.get(server.url + "/api/v1/tasks").status_code == 200
    r = s.post(server.url + "/api/v1/tokens", json={"name": "x"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    r = s.post(server.url + "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403
    r = s.post(server.url + "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    assert s.get(server.url + "/api/v1/auth/session").json()["csrf_token"] == csrf
    # Signing out ends the cookie's session only.
    assert s.delete(server.url + "/api/v1/auth/session",
                    headers={"X-CSRF-Token": csrf}).status_code == 204
    assert s.get(server.url + "/api/v1/tasks").status_code == 401
    # A wrong password, and OpenID Connect when it is not configured.
    r = requests.post(server.url + "/api/v1/auth/session",
                      json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401
    assert requests.get(server.url + "/api/v1/auth/providers").json() == {"local": True,
                                                                          "oidc": None}
    assert requests.get(server.url + "/api/v1/auth/oidc/login",
                        allow_redirects=False).status_code == 404


def test_the_console_is_served_at_the_root_with_its_security_headers(server):
    r = requests.get(server.url + "/")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert '<div id="root">' in r.text, "the binary was built without console/dist"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    script = next(p for p in r.text.split('"') if p.startswith("/assets/") and p.endswith(".js"))
    js = requests.get(server.url + script, headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["Content-Encoding"] == "gzip"
    assert "immutable" in js.headers["Cache-Control"]
    assert requests.get(server.url + "/assets/nothing.js").status_code == 404
    assert requests.get(server.url + "/tasks/abc/edit").text == r.text


def test_schedule_previews_are_the_schedulers_own_times(admin):
    nxt = admin.ok("GET", "/api/v1/schedules/next?schedule=rate(2%20hours)")["next"]
    assert len(nxt) == 5 and all(b - a == 7200 for a, b in zip(nxt, nxt[1:]))
    nxt = admin.ok("GET", "/api/v1/schedules/next?schedule=0%203%20*%20*%20*&count=3")["next"]
    assert len(nxt) == 3 and all(t % 86400 == 3 * 3600 for t in nxt)
    assert admin.ok("GET", "/api/v1/schedules/next?schedule=once")["next"] == []
    r = admin.call("GET", "/api/v1/schedules/next?schedule=0%2025%20*%20*%20*")
    assert r.status_code == 400 and "0 25 * * *" in r.json()["error"]["message"]


def test_patch_changes_only_the_fields_given(admin, testbed):
    store_credential(admin, testbed, "a", "seaweed_a")
    task = admin.ok("POST", "/api/v1/tasks", {
        "name": "p", "source": "s3://src", "destination": "s3://dst",
        "source_endpoint": endpoint(testbed, "seaweed_a", "a"),
        "destination_endpoint": endpoint(testbed, "seaweed_a", "a"),
        "options": {"transfers": 7, "filters": [{"include": "*.jpg"}]}}, status=201)
    changed = admin.ok("PATCH", f"/api/v1/tasks/{task['id']}",
                       {"schedule": "rate(1 hour)", "options": {"max_attempts": 9}})
    assert changed["schedule"] == "rate(1 hour)" and changed["options"]["max_attempts"] == 9
    assert changed["options"]["transfers"] == 7 and changed["name"] == "p"
    assert changed["options"]["filters"] == [{"include": "*.jpg"}]
    assert changed["source_endpoint"]["credential"] == "a"
    r = admin.call("PATCH", f"/api/v1/tasks/{task['id']}", {"options": {"transfers": 0}})
    assert r.status_code == 400 and "options.transfers" in r.json()["error"]["message"]
    assert admin.call("PATCH", "/api/v1/tasks/nothing", {"name": "x"}).status_code == 404


def test_tasks_page_with_their_last_run(admin):
    for i in range(7):
        admin.ok("POST", "/api/v1/tasks", {
            "name": f"t{i}", "source": "s3://a", "destination": f"s3://b{i}",
            "source_endpoint": PUBLIC, "destination_endpoint": PUBLIC}, status=201)
    page = admin.ok("GET", "/api/v1/tasks?limit=3&offset=3")
    assert page["total"] == 7 and [t["name"] for t in page["tasks"]] == ["t3", "t2", "t1"]
    assert all(t["last_run"] is None for t in page["tasks"])
    assert admin.ok("GET", "/api/v1/tasks?q=s3://b6")["total"] == 1
    assert admin.ok("GET", "/api/v1/tasks?state=Running")["total"] == 0
    assert admin.call("GET", "/api/v1/tasks?state=Sleeping").status_code == 400
    assert len(admin.ok("GET", "/api/v1/tasks")["tasks"]) == 7  # no limit: all


def test_failed_objects_are_retried_alone_and_the_run_has_a_series(admin, testbed, s3, bucket):
    src, long_key = failing_source(s3, bucket)  # moto -> SeaweedFS: one key is refused
    dst = bucket("seaweed_b")
    store_credential(admin, testbed, "moto", "moto")
    store_credential(admin, testbed, "sw", "seaweed_b")
    task = admin.ok("POST", "/api/v1/tasks", {
        "source": f"s3://{src}", "destination": f"s3://{dst}", "mode": "sync",
        "source_endpoint": endpoint(testbed, "moto", "moto"),
        "destination_endpoint": endpoint(testbed, "seaweed_b", "sw"),
        "options": {"max_attempts": 1, "delete": True}}, status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    admin.wait_task(task["id"], {"Completed"})
    [run] = admin.runs(task["id"])
    assert run["progress"]["failed"] == 1
    series = admin.ok("GET", f"/api/v1/runs/{run['id']}/series")
    assert series["points"][-1]["objects_done"] == 1 and series["interval_seconds"] == 5
    assert series["points"][0]["time_ms"] <= series["points"][-1]["time_ms"]
    # Another object appears at the source; the retry copies the failed key only.
    s3("moto").put_object(Bucket=src, Key="later", Body=b"later")
    retried = admin.ok("POST", f"/api/v1/runs/{run['id']}/retry", status=202)
    assert retried["state"] == "Running"
    admin.wait_task(task["id"], {"Completed"})
    newest = admin.runs(task["id"])[0]
    assert newest["trigger"] == "retry" and newest["number"] == 2
    assert newest["progress"]["failed"] == 1 and newest["progress"]["objects_done"] == 0
    assert newest["progress"]["failures"][0]["key"] == long_key
    keys = [o["Key"] for o in s3("seaweed_b").list_objects_v2(Bucket=dst).get("Contents", [])]
    assert keys == ["good"]  # 'later' was not copied: a retry copies only the failed keys
    logs = [e["message"] for e in admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]]
    assert any("retries 1 object(s) that failed in run 1" in m for m in logs)
    r = admin.call("POST", f"/api/v1/runs/{admin.runs(task['id'])[-1]['id']}/retry")
    assert r.status_code == 202  # run 1 can be retried again
    admin.wait_task(task["id"], {"Completed"})
    assert admin.call("POST", "/api/v1/runs/nothing/retry").status_code == 404


def test_the_cli_manages_credentials_users_and_tokens(server, admin, ferry_bin, testbed, tmp_path):
    s = testbed["seaweed_a"]
    secret = tmp_path / "secret"
    secret.write_text(s["secret_key"] + "\n")
    r = cli(ferry_bin, server, "credential", "add", "cli-keys", "--access-key-id", s["access_key"],
            "--secret-access-key-file", str(secret), "--endpoint", s["endpoint"], token=admin.token)
    assert r.returncode == 0, r.stderr
    r = cli(ferry_bin, server, "credential", "add", "cli-keys", "--access-key-id", "X",
            "--endpoint", s["endpoint"], token=admin.token,
            env={"FERRY_SECRET_ACCESS_KEY": "other"})
    assert r.returncode != 0 and "cli-keys" in r.stderr  # the name is taken: rotate instead
    r = cli(ferry_bin, server, "credential", "rotate", "cli-keys", "--access-key-id",
            s["access_key"], "--endpoint", s["endpoint"], token=admin.token,
            stdin=s["secret_key"] + "\n")
    assert r.returncode == 0 and "rotated" in r.stdout, r.stderr
    listing = cli(ferry_bin, server, "credential", "list", token=admin.token).stdout
    assert "cli-keys" in listing and s["endpoint"] in listing and s["secret_key"] not in listing

    r = cli(ferry_bin, server, "user", "add", "olga", "--role", "operator", token=admin.token,
            env={"FERRY_NEW_PASSWORD": "olga-password"})
    assert r.returncode == 0, r.stderr
    assert "olga" in cli(ferry_bin, server, "user", "list", token=admin.token).stdout
    olga = Api(server).login("olga", "olga-password")
    r = cli(ferry_bin, server, "user", "list", token=olga.token)
    assert r.returncode == 4 and "needs the role admin" in r.stderr  # an operator manages no users
    assert cli(ferry_bin, server, "user", "set-role", "olga", "viewer",
               token=admin.token).returncode == 0
    assert olga.ok("GET", "/api/v1/auth/me")["role"] == "viewer"

    r = cli(ferry_bin, server, "token", "create", "ci", "--expires-in-days", "30",
            token=admin.token)
    assert r.returncode == 0 and r.stdout.strip().startswith("fy_"), r.stderr
    ci = Api(server, r.stdout.strip())
    assert ci.ok("GET", "/api/v1/auth/me")["username"] == "admin"
    listing = cli(ferry_bin, server, "token", "list", token=admin.token).stdout
    token_id = next(line.split()[0] for line in listing.splitlines() if line.endswith(" ci"))
    assert cli(ferry_bin, server, "token", "revoke", token_id, token=admin.token).returncode == 0
    assert ci.call("GET", "/api/v1/auth/me").status_code == 401
    assert cli(ferry_bin, server, "credential", "delete", "cli-keys",
               token=admin.token).returncode == 0
    assert cli(ferry_bin, server, "user", "delete", "olga", token=admin.token).returncode == 0


def test_task_update_patches_only_the_flags_given_and_paths_are_absolute(server, admin,
                                                                         ferry_bin):
    os.makedirs(os.path.join(server.local, "in"))
    r = subprocess.run([ferry_bin, "task", "create", "in", "s3://dst", "--name", "rel",
                        "--transfers", "9", "--dst-no-sign-request"], capture_output=True, text=True, cwd=server.local,
                       env={**os.environ, "FERRY_SERVER": server.url, "FERRY_TOKEN": admin.token},
                       timeout=60)
    assert r.returncode == 0, r.stderr
    task_id = r.stdout.strip()
    assert admin.ok("GET", f"/api/v1/tasks/{task_id}")["source"] == os.path.join(server.local, "in")
    # By name; only --schedule and --max-attempts change.
    r = cli(ferry_bin, server, "task", "update", "rel", "--schedule", "rate(2 hours)",
            "--max-attempts", "3", token=admin.token)
    assert r.returncode == 0, r.stderr
    t = admin.ok("GET", f"/api/v1/tasks/{task_id}")
    assert t["schedule"] == "rate(2 hours)" and t["options"]["max_attempts"] == 3
    assert t["options"]["transfers"] == 9 and t["destination"] == "s3://dst"
    r = cli(ferry_bin, server, "task", "update", task_id, token=admin.token)
    assert r.returncode == 2 and "nothing to change" in r.stderr
    r = cli(ferry_bin, server, "task", "update", "no-such-task", "--name", "x", token=admin.token)
    assert r.returncode == 4 and "no task has the id or name" in r.stderr
    r = cli(ferry_bin, server, "task", "update", task_id, "--tag", "v1", token=admin.token)
    assert r.returncode == 2 and "--tag applies to images tasks only" in r.stderr
