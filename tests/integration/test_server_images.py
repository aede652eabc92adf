"""Images tasks of `ferry server`: created through the REST API (and `ferry task
create --kind images`), run against the test bed's Debian docker-registry
instances, and every result checked with skopeo, never with ferry itself."""
import json
import os
import subprocess
import time

import pytest

from oci_image import build_multiarch
from test_images import creds, push, raw_digest, unique
from test_server import ADMIN_PASSWORD, Api, FerryServer


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    path = tmp_path_factory.mktemp("oci-server") / "layout"
    return str(path), build_multiarch(str(path), "server-task")


@pytest.fixture
def server(ferry_bin, tmp_path):
    srv = FerryServer(ferry_bin, str(tmp_path / "server")).start()  # --allow-target loopback
    yield srv
    srv.stop()


@pytest.fixture
def operator(server):
    admin = Api(server).login("admin", ADMIN_PASSWORD)
    admin.ok("POST", "/api/v1/users", {"username": "otto", "password": "operator-pass",
                                       "role": "operator"}, status=201)
    return Api(server).login("otto", "operator-pass")


def store_registry_login(api, name, registry):
    """A stored credential holding a registry's user and password, bound to its URL."""
    api.ok("POST", "/api/v1/credentials", {
        "name": name, "access_key_id": registry["username"],
        "secret_access_key": registry["password"],
        "endpoints": [f"http://{registry['host']}"]}, status=201)


def run_once(api, task_id):
    api.ok("POST", f"/api/v1/tasks/{task_id}/start", status=202)
    done = api.wait_task(task_id, {"Completed", "Failed"}, timeout=60)
    assert done["state"] == "Completed", done["last_error"]
    return api.runs(task_id)[0]


def test_images_task_copies_verifies_and_converges(server, operator, testbed, layout):
    plain, auth = testbed["registry_plain"], testbed["registry_auth"]
    src, dst = unique("srv-src/app"), unique("srv-dst/app")
    push(layout, plain, src)
    store_registry_login(operator, "mirror-login", auth)

    started = time.monotonic()
    task = operator.ok("POST", "/api/v1/tasks", {
        "kind": "images", "name": "mirror",
        "source": f"{plain['host']}/{src}", "destination": f"{auth['host']}/{dst}",
        "images": {"tags": ["v*"], "insecure_source": True, "insecure_destination": True,
                   "transfers": 4, "dst_credential": "mirror-login"}}, status=201)
    assert task["kind"] == "images" and task["images"]["tags"] == ["v*"]
    assert task["images"]["dst_credential"] == "mirror-login"
    run = run_once(operator, task["id"])
    first = time.monotonic() - started

    p = run["progress"]
    assert (p["listed"], p["objects_done"], p["objects_total"], p["failed"]) == (2, 2, 2, 0)
    assert p["bytes_done"] > 0 and p["bytes_done"] == p["bytes_total"]
    _, tags = layout
    for tag, descriptor in tags.items():  # every digest unchanged, per skopeo
        assert raw_digest(auth, dst, tag) == descriptor["digest"]
    index = json.loads(subprocess.run(
        ["skopeo", "inspect", "--raw", "--tls-verify=false", *creds(auth),
         f"docker://{auth['host']}/{dst}:v1"], capture_output=True, text=True,
        timeout=60).stdout)
    for platform in index["manifests"]:
        assert raw_digest(auth, dst, platform["digest"]) == platform["digest"]

    # Again: the destination matches, so nothing is copied.
    again = run_once(operator, task["id"])["progress"]
    assert (again["listed"], again["matched"], again["objects_done"]) == (2, 2, 0)
    assert again["bytes_done"] == 0
    logs = [e["message"] for e in operator.ok("GET", f"/api/v1/tasks/{task['id']}/logs")["logs"]]
    assert any("2 selected, 0 copied, 2 unchanged" in m for m in logs), logs
    print(f"images task: 2 images copied in {first:.2f} s, then converged")

    # The registry's password is nowhere: not in the task, its logs, or the server's log.
    shown = operator.call("GET", "/api/v1/tasks").text + json.dumps(logs)
    assert auth["password"] not in shown and auth["password"] not in server.logs()


def test_images_task_refusals_name_the_field(operator, testbed):
    plain = testbed["registry_plain"]
    for spec, status, says in [
        ({"kind": "images", "source": f"{plain['host']}/Bad Repo", "destination": "x.example/a"},
         400, "source"),
        ({"kind": "images", "source": f"{plain['host']}/app", "destination": "x.example/a",
          "images": {"tags": ["v(1)"]}}, 400, "images.tags item 1"),
        ({"kind": "images", "source": f"{plain['host']}/app", "destination": "x.example/a",
          "options": {"delete": True}}, 400, "options does not apply to an images task"),
        ({"kind": "images", "source": f"{plain['host']}/app", "destination": "x.example/a",
          "images": {"src_credential": "nope"}}, 400, "'nope', which does not exist"),
        ({"kind": "images", "source": f"{plain['host']}/app",
          "destination": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"}, 403,
         "destination is Amazon ECR"),
    ]:
        r = operator.call("POST", "/api/v1/tasks", spec)
        assert r.status_code == status, r.text
        assert says in r.json()["error"]["message"], r.json()
    assert operator.ok("GET", "/api/v1/tasks")["tasks"] == []


def test_a_private_registry_is_refused_without_allow_target(ferry_bin, tmp_path, testbed):
    srv = FerryServer(ferry_bin, str(tmp_path / "strict"), extra_args=[]).start()
    try:
        admin = Api(srv).login("admin", ADMIN_PASSWORD)
        admin.ok("POST", "/api/v1/users", {"username": "otto", "password": "operator-pass",
                                           "role": "operator"}, status=201)
        operator = Api(srv).login("otto", "operator-pass")
        plain = testbed["registry_plain"]
        r = operator.call("POST", "/api/v1/tasks", {
            "kind": "images", "source": f"{plain['host']}/app",
            "destination": "registry.example/app", "images": {"insecure_source": True}})
        status, message = r.status_code, r.json()["error"]["message"]
        del r  # its idle keep-alive connection would hold the server's SIGTERM stop for 5 s
        assert status in (400, 403), message
        assert message.startswith("source") and "loopback" in message, message
        assert operator.ok("GET", "/api/v1/tasks")["tasks"] == []
    finally:
        srv.stop()


def test_ferry_task_create_kind_images(server, operator, ferry_bin, testbed, layout, tmp_path):
    plain = testbed["registry_plain"]
    src, dst = unique("cli-src/app"), unique("cli-dst/app")
    push(layout, plain, src, tags=("v2",))
    listed = tmp_path / "images.txt"
    listed.write_text(f"# one repository\n{src}\n")
    env = {**os.environ, "FERRY_SERVER": server.url, "FERRY_TOKEN": operator.token,
           "XDG_CONFIG_HOME": str(tmp_path / "cli-config")}

    def ferry(*args, action="create"):
        return subprocess.run([ferry_bin, "task", action, *args], capture_output=True,
                              text=True, env=env, timeout=60)

    r = ferry("--kind", "images", plain["host"], f"{plain['host']}/{dst.split('/')[0]}",
              "--list", str(listed), "--tag", "v2,v3", "--insecure-src", "--insecure-dst",
              "--transfers", "2", "--json")
    assert r.returncode == 0, r.stderr
    task = json.loads(r.stdout)
    assert (task["kind"], task["images"]["list"], task["images"]["tags"]) == (
        "images", [src], ["v2", "v3"])
    assert task["images"]["transfers"] == 2
    run = run_once(operator, task["id"])
    assert run["progress"]["objects_done"] == 1
    copied = f"{dst.split('/')[0]}/{src}"
    assert raw_digest(plain, copied, "v2") == layout[1]["v2"]["digest"]

    r = ferry("--kind", "images", f"{plain['host']}/a", f"{plain['host']}/b", "--delete")
    assert r.returncode == 2 and "--delete does not apply to an images task" in r.stderr
    r = ferry("s3://a", "s3://b", "--tag", "v1")
    assert r.returncode == 2 and "--tag applies to images tasks only" in r.stderr

    # `task update` changes the images fields given, and only those (checked by the API).
    r = ferry(task["id"], "--tag", "v2", "--transfers", "3", "--insecure-src=false",
              "--name", "mirror-v2", "--json", action="update")
    assert r.returncode == 0, r.stderr
    changed = operator.ok("GET", f"/api/v1/tasks/{task['id']}")
    assert changed["name"] == "mirror-v2"
    assert (changed["images"]["tags"], changed["images"]["transfers"]) == (["v2"], 3)
    assert changed["images"]["insecure_source"] is False
    assert changed["images"]["insecure_destination"] is True
    assert changed["images"]["list"] == [src]
    r = ferry("mirror-v2", "--insecure-src", action="update")  # by name, and back on
    assert r.returncode == 0, r.stderr
    again = run_once(operator, task["id"])["progress"]  # the changed task runs and converges
    assert (again["listed"], again["matched"], again["objects_done"]) == (1, 1, 0)
    r = ferry(task["id"], "--delete", action="update")
    assert r.returncode == 2 and "--delete does not apply to an images task" in r.stderr


def test_an_image_that_fails_is_counted_listed_and_logged(server, operator, testbed, layout):
    plain = testbed["registry_plain"]
    src = unique("fail-src/app")
    push(layout, plain, src, tags=("v2",))
    task = operator.ok("POST", "/api/v1/tasks", {
        "kind": "images", "source": plain["host"], "destination": f"{plain['host']}/fail-dst",
        "images": {"list": [f"{src}:v2", f"{src}:missing"], "insecure_source": True,
                   "insecure_destination": True, "max_attempts": 1}}, status=201)
    run = run_once(operator, task["id"])  # the run ends; one image failed every attempt
    p = run["progress"]
    assert (p["listed"], p["objects_done"], p["failed"]) == (2, 1, 1)
    [failure] = p["failures"]
    assert failure["key"] == f"{src}:missing" and failure["attempts"] == 1
    assert raw_digest(plain, f"fail-dst/{src}", "v2") == layout[1]["v2"]["digest"]
    logs = operator.ok("GET", f"/api/v1/tasks/{task['id']}/logs?level=error")["logs"]
    assert any(f"image {src}:missing" in e["message"] for e in logs), logs
