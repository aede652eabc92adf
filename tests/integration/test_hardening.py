"""Issue 11, the security review: each finding reproduced against the real binary
(a fake S3 written here where a real server cannot misbehave on purpose), and
shown fixed. Results are checked from outside ferry: the fake's request log, the
file system, the API as another user sees it."""
import json
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from test_server import ADMIN_PASSWORD, Api, FerryServer, wait_for

LISTING = """<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>bucket</Name><Prefix>{prefix}</Prefix><KeyCount>1</KeyCount>
<MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>
<ETag>"0cc175b9c0f1b6a831c399e269772661"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>
</Contents></ListBucketResult>"""


class FakeS3:
    """A small S3 that lists one key of our choosing (`key`, URL-encoded as S3 does)
    or, with `hang`, never answers a listing. Every request is recorded."""

    def __init__(self, key="x", hang=False):
        self.key = key
        self.hang = hang
        self.release = threading.Event()
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                fake.requests.append((self.command, self.path, dict(self.headers)))
                if "list-type=2" in self.path:
                    if fake.hang:
                        fake.release.wait(120)
                    prefix = re.search(r"prefix=([^&]*)", self.path)
                    body = LISTING.format(prefix=prefix.group(1) if prefix else "",
                                          key=fake.key).encode()
                    ctype = "application/xml"
                else:
                    body, ctype = b"a", "application/octet-stream"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", '"0cc175b9c0f1b6a831c399e269772661"')
                self.send_header("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT")
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def listings(self):
        return [r for r in self.requests if "list-type=2" in r[1]]

    def close(self):
        self.release.set()
        self.http.shutdown()


@pytest.fixture
def fake_s3():
    made = []

    def make(**kw):
        made.append(FakeS3(**kw))
        return made[-1]
    yield make
    for f in made:
        f.close()


@pytest.fixture
def server(ferry_bin, tmp_path):
    srv = FerryServer(ferry_bin, str(tmp_path / "server")).start()
    yield srv
    srv.stop()


@pytest.fixture
def admin(server):
    return Api(server).login("admin", ADMIN_PASSWORD)


def add_user(admin, name, role):
    admin.ok("POST", "/api/v1/users", {"username": name, "password": f"{name}-password",
                                       "role": role}, status=201)
    return Api(admin.server).login(name, f"{name}-password")


def store(api, name, endpoints, status=201):
    return api.ok("POST", "/api/v1/credentials", {
        "name": name, "access_key_id": "AKIAFAKEKEY", "secret_access_key": "fake-secret",
        "endpoints": endpoints}, status=status)


def s3_task(source, endpoint, credential=None, destination=None, **extra):
    side = {"endpoint": endpoint, "path_style": True, "region": "us-east-1"}
    if credential:
        side["credential"] = credential
    spec = {"source": source, "destination": destination, "source_endpoint": side}
    spec.update(extra)
    return spec


# --- a listing that crashed the server, and a run that crash-looped it -------------------

def test_a_key_shorter_than_the_prefix_fails_the_run_and_the_server_stays_up(
        server, admin, fake_s3):
    fake = fake_s3(key="x")
    store(admin, "fake", [fake.url])
    dst = os.path.join(server.local, "dst")
    hook = "http://hook-user:hook-password@hook.invalid/hooks/path?token=WEBHOOKSECRET"
    task = admin.ok("POST", "/api/v1/tasks", s3_task(
        "s3://bucket/a/much/longer/prefix", fake.url, "fake", dst,
        notify={"webhook": hook}), status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    done = admin.wait_task(task["id"], {"Completed", "Failed"})
    assert done["state"] == "Failed"
    assert "listed 'x' for the prefix 'a/much/longer/prefix/'" in done["last_error"]
    assert server.proc.poll() is None  # it used to die here with std::out_of_range
    assert requests.get(server.url + "/api/v1/health").status_code == 200
    assert not os.listdir(dst) if os.path.exists(dst) else True

    # The failed run told the webhook; its secrets are in no log line and no viewer's answer.
    viewer = add_user(admin, "vicky", "viewer")
    shown = viewer.ok("GET", f"/api/v1/tasks/{task['id']}")["notify"]["webhook"]
    assert shown == "http://hook.invalid/hooks/path"
    assert admin.ok("GET", f"/api/v1/tasks/{task['id']}")["notify"]["webhook"] == hook
    listed = viewer.ok("GET", "/api/v1/tasks")["tasks"][0]["notify"]["webhook"]
    assert listed == shown

    def notified():
        logs = admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]
        return [e["message"] for e in logs if "webhook" in e["message"]]
    [line] = wait_for("the webhook attempt", notified, timeout=30)
    assert "hook.invalid/hooks/path" in line
    for secret in ["WEBHOOKSECRET", "hook-password"]:
        assert secret not in line and secret not in server.logs()
    # The owner's PUT of the redacted form keeps the full URL (a console round trip).
    spec = {k: v for k, v in viewer.ok("GET", f"/api/v1/tasks/{task['id']}").items()
            if k in ("source", "destination", "source_endpoint", "notify")}
    admin.ok("PUT", f"/api/v1/tasks/{task['id']}", spec)
    assert admin.ok("GET", f"/api/v1/tasks/{task['id']}")["notify"]["webhook"] == hook


def test_a_run_that_ends_the_server_on_every_resume_fails_after_three(server, admin, fake_s3):
    fake = fake_s3(hang=True)
    store(admin, "fake", [fake.url])
    task = admin.ok("POST", "/api/v1/tasks", s3_task(
        "s3://bucket/data", fake.url, "fake", os.path.join(server.local, "dst")), status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    for start in range(4):  # the first start, then three resumes, each killed mid-run
        wait_for(f"the listing of start {start}", lambda: len(fake.listings()) > start,
                 timeout=30)
        server.kill9()
        server.start()
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    failed = admin.wait_task(task["id"], {"Failed"}, timeout=30)
    assert "resumed 3 times in a row" in failed["last_error"]
    [run] = admin.runs(task["id"])
    assert run["state"] == "Failed" and run["resumes"] == 3
    seen = len(fake.listings())
    time.sleep(1)  # a resumed run would list again at once
    assert len(fake.listings()) == seen


# --- credentials belong to someone and to somewhere -------------------------------------

def test_operators_cannot_borrow_server_or_other_users_credentials(ferry_bin, tmp_path,
                                                                   fake_s3):
    # The server holds ambient AWS keys, as on an instance with a role.
    srv = FerryServer(ferry_bin, str(tmp_path / "srv"), extra_env={
        "AWS_ACCESS_KEY_ID": "AKIASERVERAMBIENT", "AWS_SECRET_ACCESS_KEY": "server-secret",
        "AWS_SESSION_TOKEN": "server-session"}).start()
    try:
        admin = Api(srv).login("admin", ADMIN_PASSWORD)
        otto = add_user(admin, "otto", "operator")
        own, other = fake_s3(), fake_s3()
        dst = os.path.join(srv.local, "dst")
        # No credential: the server's own keys would sign it. Refused, for admins too.
        for api in (otto, admin):
            r = api.call("POST", "/api/v1/tasks", s3_task("s3://bucket", own.url, None, dst))
            assert r.status_code == 403, r.text
            assert "does not lend its own credentials" in r.json()["error"]["message"]
        # A secret file or profile of the server: refused, without saying whether it exists.
        for field, value in [("secret", "/etc/passwd"), ("secret", "/nonexistent"),
                             ("profile", "default")]:
            spec = s3_task("s3://bucket", own.url, None, dst)
            spec["source_endpoint"][field] = value
            r = otto.call("POST", "/api/v1/tasks", spec)
            assert r.status_code == 403 and "exist" not in r.text, r.text
        # The admin's credential: not the operator's to use, replace or delete.
        store(admin, "admin-keys", [own.url])
        r = otto.call("POST", "/api/v1/tasks", s3_task("s3://bucket", own.url, "admin-keys", dst))
        assert r.status_code == 403 and "belongs to 'admin'" in r.text
        store(otto, "admin-keys", [other.url], status=409)  # INSERT OR REPLACE replaced it
        body = {"access_key_id": "AKIAOTTO", "secret_access_key": "x", "endpoints": [other.url]}
        assert otto.call("PUT", "/api/v1/credentials/admin-keys", body).status_code == 403
        assert otto.call("DELETE", "/api/v1/credentials/admin-keys").status_code == 403
        # Bound to its endpoint: not even its owner can point it at another one.
        r = admin.call("POST", "/api/v1/tasks", s3_task("s3://bucket", other.url, "admin-keys",
                                                        dst))
        assert r.status_code == 403 and "is bound to" in r.text
        [listed] = otto.ok("GET", "/api/v1/credentials")["credentials"]
        assert listed["name"] == "admin-keys" and listed["owner"] == "admin"
        assert listed["endpoints"] == [own.url] and listed["updated_at"] >= listed["created_at"]
        # The owner rotates it (same body as POST).
        rotated = admin.ok("PUT", "/api/v1/credentials/admin-keys",
                           {"access_key_id": "AKIANEW", "secret_access_key": "y",
                            "endpoints": [own.url, other.url]})
        assert rotated["endpoints"] == [own.url, other.url] and rotated["owner"] == "admin"
        assert own.requests == [] and other.requests == []  # nothing was sent anywhere
        assert "server-secret" not in srv.logs()
    finally:
        srv.stop()


def test_allow_server_credentials_lends_them_to_admins_only(ferry_bin, tmp_path, fake_s3):
    srv = FerryServer(ferry_bin, str(tmp_path / "srv"), extra_env={
        "AWS_ACCESS_KEY_ID": "AKIASERVERAMBIENT", "AWS_SECRET_ACCESS_KEY": "server-secret"},
        extra_args=["--allow-target", "loopback", "--allow-server-credentials"]).start()
    try:
        admin = Api(srv).login("admin", ADMIN_PASSWORD)
        otto = add_user(admin, "otto", "operator")
        fake = fake_s3()
        dst = os.path.join(srv.local, "dst")
        assert otto.call("POST", "/api/v1/tasks",
                         s3_task("s3://bucket", fake.url, None, dst)).status_code == 403
        task = admin.ok("POST", "/api/v1/tasks", s3_task("s3://bucket", fake.url, None, dst),
                        status=201)
        admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
        admin.wait_task(task["id"], {"Completed", "Failed"})
        assert any("AKIASERVERAMBIENT" in r[2].get("Authorization", "") for r in fake.requests)
    finally:
        srv.stop()


def test_a_named_endpoint_cannot_be_pointed_at_another_url(ferry_bin, tmp_path, fake_s3):
    fake = fake_s3()
    config = tmp_path / "ferry.toml"
    config.write_text('[endpoints.corp]\nendpoint = "https://s3.corp.example"\n'
                      f'secret = "{tmp_path}/corp.json"\n')
    srv = FerryServer(ferry_bin, str(tmp_path / "srv"),
                      extra_args=["--allow-target", "loopback", "--config", str(config)]).start()
    try:
        otto = add_user(Api(srv).login("admin", ADMIN_PASSWORD), "otto", "operator")
        spec = {"source": "corp:bucket", "destination": os.path.join(srv.local, "d"),
                "source_endpoint": {"endpoint": fake.url}}
        r = otto.call("POST", "/api/v1/tasks", spec)
        assert r.status_code == 400 and "cannot be combined with the named endpoint" in r.text
        assert fake.requests == []
    finally:
        srv.stop()


# --- targets ---------------------------------------------------------------------------

def test_private_targets_are_refused_by_default_even_through_dns(ferry_bin, tmp_path, fake_s3):
    srv = FerryServer(ferry_bin, str(tmp_path / "srv"), extra_args=[]).start()
    try:
        admin = Api(srv).login("admin", ADMIN_PASSWORD)
        fake = fake_s3()
        dst = os.path.join(srv.local, "dst")
        store(admin, "by-name", [f"http://localhost:{fake.port}"])
        r = admin.call("POST", "/api/v1/tasks", s3_task("s3://bucket", fake.url, None, dst,
                                                        source_endpoint={
                                                            "endpoint": fake.url,
                                                            "no_sign_request": True}))
        assert r.status_code == 403 and "loopback" in r.text, r.text
        r = admin.call("POST", "/api/v1/tasks", {
            "source": "s3://bucket", "destination": dst,
            "source_endpoint": {"endpoint": "http://169.254.169.254", "no_sign_request": True}})
        assert r.status_code == 403 and "link-local" in r.text
        r = admin.call("POST", "/api/v1/tasks", {
            "source": "s3://bucket", "destination": dst,
            "source_endpoint": {"endpoint": "https://s3.amazonaws.com", "no_sign_request": True},
            "notify": {"webhook": f"http://127.0.0.1:{fake.port}/hook"}})
        assert r.status_code == 403 and "notify.webhook" in r.text
        # A name that resolves to loopback passes the check of the text, not the connection.
        task = admin.ok("POST", "/api/v1/tasks", s3_task(
            "s3://bucket", f"http://localhost:{fake.port}", "by-name", dst), status=201)
        admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
        failed = admin.wait_task(task["id"], {"Failed", "Completed"})
        assert failed["state"] == "Failed" and "not allowed as a target" in failed["last_error"]
        assert fake.requests == []
    finally:
        srv.stop()


def test_connection_errors_do_not_tell_refused_from_unreachable(server, admin):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: "connection refused"
    dst = os.path.join(server.local, "dst")
    store(admin, "closed", [f"http://127.0.0.1:{port}"])
    task = admin.ok("POST", "/api/v1/tasks", s3_task(
        "s3://bucket", f"http://127.0.0.1:{port}", "closed", dst,
        options={"max_attempts": 1}), status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    failed = admin.wait_task(task["id"], {"Failed"}, timeout=120)
    error = failed["last_error"].lower()
    assert "cannot connect to '127.0.0.1:%d' or it did not answer" % port in error
    assert "refused" not in error and "no route" not in error


# --- a folder is a boundary ---------------------------------------------------------------

def make_tree(root, files):
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(data)


def test_symlinks_never_lead_out_of_a_folder_in_either_direction(run_ferry, tmp_path):
    outside = tmp_path / "outside"
    make_tree(str(outside), {"victim.txt": "keep me", "secret.txt": "private"})
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(str(src), {"a.txt": "a", "sub/b.txt": "b"})
    os.symlink(outside / "secret.txt", src / "leak.txt")     # a file link in the source
    os.symlink(outside, src / "leakdir")                      # a folder link in the source
    dst.mkdir()
    os.symlink(outside, dst / "link")                          # a folder link in the destination
    os.symlink(outside, dst / "sub")                           # where a source folder writes to

    r = run_ferry("sync", str(src), str(dst), "--delete")
    # --delete removed /outside/victim.txt through dst/link; a write went through dst/sub.
    assert (outside / "victim.txt").read_text() == "keep me"
    assert not (outside / "b.txt").exists()
    assert sorted(os.listdir(outside)) == ["secret.txt", "victim.txt"]
    assert not (dst / "leak.txt").exists() and not (dst / "leakdir").exists()
    assert (dst / "a.txt").read_text() == "a"
    for key in ["leak.txt", "leakdir", "link"]:
        assert f"skipped '{key}'" in r.stderr, r.stderr
    assert r.returncode == 3, r.stdout + r.stderr  # sub/b.txt failed: its folder is a link
    assert "symbolic link" in r.stderr


def test_a_symlink_inside_local_root_does_not_upload_from_outside(server, admin, tmp_path):
    outside = tmp_path / "outside"
    make_tree(str(outside), {"passwd": "root:x:0:0"})
    src = os.path.join(server.local, "src")
    make_tree(src, {"ok.txt": "ok"})
    os.symlink(outside / "passwd", os.path.join(src, "passwd"))
    os.symlink(outside, os.path.join(src, "etc"))
    dst = os.path.join(server.local, "dst")
    task = admin.ok("POST", "/api/v1/tasks", {"source": src, "destination": dst}, status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    done = admin.wait_task(task["id"], {"Completed", "Failed"})
    assert done["state"] == "Completed", done["last_error"]
    assert sorted(os.listdir(dst)) == ["ok.txt"]
    logs = [e["message"] for e in admin.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]]
    assert any("skipped 'passwd'" in m for m in logs) and any("skipped 'etc'" in m for m in logs)


def test_a_key_with_a_nul_byte_is_refused_by_name(run_ferry, tmp_path, fake_s3):
    fake = fake_s3(key="a%00b")
    dst = tmp_path / "dst"
    r = run_ferry("sync", "s3://bucket", str(dst), "--src-endpoint", fake.url,
                  "--src-no-sign-request", "--src-path-style", "--max-attempts", "1")
    assert r.returncode == 3, r.stderr
    assert "a\\0b" in r.stderr and "NUL" in r.stderr
    assert not os.path.exists(dst / "a")  # it was written as a truncated name


# --- sessions, tokens, CLI --------------------------------------------------------------

def test_api_tokens_expire_are_listed_and_need_the_role(server, admin):
    viewer = add_user(admin, "vera", "viewer")
    otto = add_user(admin, "otto", "operator")
    assert viewer.call("POST", "/api/v1/tokens", {"name": "mine"}).status_code == 403
    issued = otto.ok("POST", "/api/v1/tokens", {"name": "ci"}, status=201)
    assert issued["expires_at"] - issued["created_at"] == 90 * 86400
    short = otto.ok("POST", "/api/v1/tokens", {"name": "short", "expires_in_days": 1},
                    status=201)
    assert short["expires_at"] - short["created_at"] == 86400
    assert otto.call("POST", "/api/v1/tokens", {"name": "x", "expires_in_days": 0}).status_code \
        == 400
    listed = {t["name"]: t for t in otto.ok("GET", "/api/v1/tokens")["tokens"]}
    assert {"id", "name", "created_at", "expires_at"} <= set(listed["ci"])
    assert "token" not in listed["ci"]
    ci = Api(server, issued["token"])
    assert ci.ok("GET", "/api/v1/auth/me")["username"] == "otto"
    admin.ok("PUT", "/api/v1/users/otto", {"role": "viewer"})
    r = ci.call("GET", "/api/v1/auth/me")
    assert r.status_code == 401 and "API tokens are for operators" in r.text
    admin.ok("PUT", "/api/v1/users/otto", {"role": "operator"})
    assert ci.call("GET", "/api/v1/auth/me").status_code == 200
    otto.ok("DELETE", f"/api/v1/tokens/{short['id']}", status=204)
    # A password change ends sessions and API tokens alike; the admin's reset needs no
    # current password.
    admin.ok("PUT", "/api/v1/users/otto", {"password": "reset-by-admin"})
    assert ci.call("GET", "/api/v1/auth/me").status_code == 401
    assert otto.call("GET", "/api/v1/auth/me").status_code == 401


def test_login_does_not_echo_and_task_refuses_a_token_in_argv(server, admin, ferry_bin,
                                                               tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "FERRY_SERVER": server.url}
    env.pop("FERRY_TOKEN", None)
    env.pop("FERRY_PASSWORD", None)
    # A terminal for the child (subprocess forks safely beside the fake servers' threads).
    master, slave = os.openpty()
    proc = subprocess.Popen([ferry_bin, "login"], env=env, stdin=slave, stdout=slave,
                            stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30
    sent = False
    while time.monotonic() < deadline:
        if not sent and b"password" in out:
            os.write(master, (ADMIN_PASSWORD + "\n").encode())
            sent = True
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None and sent:
            break
    try:
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 0, out
    assert ADMIN_PASSWORD.encode() not in out  # typed, not shown
    assert b"fy_" in out
    saved = json.loads((tmp_path / "cfg" / "ferry" / "login.json").read_text())
    assert oct((tmp_path / "cfg" / "ferry" / "login.json").stat().st_mode & 0o777) == "0o600"
    # The saved login is used; a token in argv (visible in ps) is refused.
    r = subprocess.run([ferry_bin, "task", "list"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([ferry_bin, "task", "list", "--token", saved["token"]], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--token is refused" in r.stderr


# --- one server per data folder, TLS ---------------------------------------------------------

def test_a_second_server_on_the_same_data_folder_exits_4_naming_the_first(server, ferry_bin):
    r = subprocess.run([ferry_bin, "server", "--data", server.data, "--listen",
                        f"127.0.0.1:{server.port}"], capture_output=True, text=True, timeout=30,
                       env={**os.environ, "FERRY_ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert r.returncode == 4, r.stdout + r.stderr
    assert f"pid {server.proc.pid}" in r.stderr
    assert f"http://127.0.0.1:{server.port}" in r.stderr
    # Nor can another folder's server share the port (no SO_REUSEPORT).
    other = subprocess.run([ferry_bin, "server", "--data", server.data + "-other", "--listen",
                            f"127.0.0.1:{server.port}"], capture_output=True, text=True,
                           timeout=30, env={**os.environ, "FERRY_ADMIN_PASSWORD": ADMIN_PASSWORD})
    assert other.returncode == 4 and "cannot listen" in other.stderr
    assert requests.get(server.url + "/api/v1/health").status_code == 200


def test_tls_serves_https_and_plain_http_stays_on_loopback(ferry_bin, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    env = {**os.environ, "FERRY_ADMIN_PASSWORD": ADMIN_PASSWORD}
    r = subprocess.run([ferry_bin, "server", "--data", str(tmp_path / "d1"), "--listen",
                        "0.0.0.0:0"], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2 and "--insecure-listen" in r.stderr
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    proc = subprocess.Popen([ferry_bin, "server", "--data", str(tmp_path / "d2"), "--listen",
                             f"127.0.0.1:{number}", "--tls-cert", str(cert), "--tls-key",
                             str(key)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        def up():
            try:
                return requests.get(f"https://127.0.0.1:{number}/api/v1/health", verify=str(cert),
                                    timeout=2).status_code == 200
            except requests.exceptions.ConnectionError:
                return False
        wait_for("the HTTPS server", up, timeout=30)
        r = requests.post(f"https://127.0.0.1:{number}/api/v1/auth/login", verify=str(cert),
                          json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200 and r.json()["token"].startswith("fy_")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{number}/api/v1/health", timeout=2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


# --- bounded work ---------------------------------------------------------------------------

def test_a_pathological_include_no_longer_takes_minutes(run_ferry, tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(str(src), {"a" * 60: "x", "a" * 14 + "b": "y"})
    pattern = "a*" * 14 + "b"  # 29 characters: 10 minutes of CPU against the 60-a name before
    started = time.monotonic()
    r = run_ferry("sync", str(src), str(dst), "--include", pattern, timeout=120)
    took = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    assert os.listdir(dst) == ["a" * 14 + "b"]
    print(f"sync with the review's --include: {took:.2f} s")
    assert took < 10  # generous: the process starts and copies too; the matcher alone is µs


def test_stop_and_sigterm_end_a_run_within_a_second(server, admin, fake_s3):
    fake = fake_s3(hang=True)
    store(admin, "fake", [fake.url])
    spec = s3_task("s3://bucket/data", fake.url, "fake", os.path.join(server.local, "dst"))
    task = admin.ok("POST", "/api/v1/tasks", spec, status=201)
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    wait_for("the run's listing", lambda: fake.listings(), timeout=30)
    started = time.monotonic()
    stopped = admin.ok("POST", f"/api/v1/tasks/{task['id']}/stop")
    took_stop = time.monotonic() - started
    assert stopped["state"] == "Stopped" and admin.runs(task["id"])[0]["state"] == "Stopped"
    admin.ok("POST", f"/api/v1/tasks/{task['id']}/start", status=202)
    wait_for("the second run's listing", lambda: len(fake.listings()) > 1, timeout=30)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=30)
    took_term = time.monotonic() - started
    print(f"POST stop: {took_stop:.3f} s; SIGTERM to exit: {took_term:.3f} s")
    assert server.proc.returncode == 0
    assert took_stop < 1 and took_term < 1
