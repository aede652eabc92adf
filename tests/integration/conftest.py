"""Fixtures for end-to-end tests of the ferry binary on the real servers of the
test bed, with every result checked through boto3."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import uuid

import boto3
import pytest
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
import testbed as testbed_module  # noqa: E402


@pytest.fixture(scope="session")
def testbed():
    """The servers: FERRY_TESTBED's endpoints.json, or a test bed of our own."""
    path = os.environ.get("FERRY_TESTBED")
    if path and os.path.exists(path):
        with open(path) as f:
            yield json.load(f)
        return
    with tempfile.TemporaryDirectory(prefix="ferry-testbed-") as root:
        with testbed_module.running_testbed(root) as endpoints:
            yield endpoints


@pytest.fixture(scope="session")
def ferry_bin():
    path = os.environ.get("FERRY_BIN", os.path.join(REPO, "build", "ferry"))
    assert os.access(path, os.X_OK), f"no ferry binary at {path}: run scripts/build.sh first"
    return path


@pytest.fixture(scope="session")
def s3(testbed):
    """s3("seaweed_a") -> a boto3 client for that server."""
    clients = {}

    def make(name):
        if name not in clients:
            server = testbed[name]
            clients[name] = boto3.client(
                "s3", endpoint_url=server["endpoint"], region_name=server["region"],
                aws_access_key_id=server["access_key"],
                aws_secret_access_key=server["secret_key"],
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))
        return clients[name]
    return make


@pytest.fixture
def bucket(s3):
    """bucket("seaweed_a") -> a fresh bucket name, emptied and removed afterwards."""
    made = []

    def make(server):
        name = f"t-{uuid.uuid4().hex[:12]}"
        s3(server).create_bucket(Bucket=name)
        made.append((server, name))
        return name
    yield make
    for server, name in made:
        client = s3(server)
        for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
            for u in page.get("Uploads", []):
                client.abort_multipart_upload(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:  # one request per page: suites leave hundreds of objects
                client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        client.delete_bucket(Bucket=name)


@pytest.fixture
def side_args(testbed, tmp_path):
    """side_args("src", "seaweed_a") -> ferry flags that reach that server with its keys
    (from a JSON secret file, as a user would store them)."""
    def make(side, server):
        s = testbed[server]
        secret = tmp_path / f"{side}-{server}.json"
        secret.write_text(json.dumps({"access_key_id": s["access_key"],
                                      "secret_access_key": s["secret_key"]}))
        prefix = f"--{side}-" if side else "--"
        return [f"{prefix}endpoint", s["endpoint"], f"{prefix}secret", str(secret)]
    return make


@pytest.fixture
def run_ferry(ferry_bin, tmp_path):
    """run_ferry(*args) -> CompletedProcess (text), with a private state folder."""
    def run(*args, timeout=300, env=None):
        full_env = dict(os.environ)
        full_env.setdefault("HOME", str(tmp_path))
        full_env["XDG_STATE_HOME"] = str(tmp_path / "state")
        # Tests talk to loopback only: never to the EC2 metadata address.
        full_env["AWS_EC2_METADATA_DISABLED"] = "true"
        for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_PROFILE", "AWS_ENDPOINT_URL"]:
            full_env.pop(var, None)
        full_env.update(env or {})
        return subprocess.run([ferry_bin, *args], capture_output=True, text=True,
                              timeout=timeout, env=full_env)
    return run


def pattern(size, seed=0):
    """Deterministic bytes of `size` that differ by seed."""
    block = bytes((i * 31 + 7 + seed) % 251 for i in range(4096))
    return (block * (size // 4096 + 1))[:size]


@pytest.fixture
def docker_config(testbed, tmp_path):
    """docker_config(*registries) -> env with DOCKER_CONFIG holding the logins of
    those test-bed registries, as `docker login` would store them."""
    def make(*names, password=None):
        folder = tmp_path / f"docker-config-{uuid.uuid4().hex[:6]}"
        folder.mkdir()
        auths = {}
        for name in names:
            r = testbed[name]
            login = f"{r['username']}:{password or r['password']}".encode()
            auths[r["host"]] = {"auth": base64.b64encode(login).decode()}
        (folder / "config.json").write_text(json.dumps({"auths": auths}))
        return {"DOCKER_CONFIG": str(folder)}
    return make
