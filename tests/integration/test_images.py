"""End-to-end tests of `ferry images sync` on Debian docker-registry instances of
the test bed. Images are built from scratch (oci_image.py), pushed with skopeo,
and every result is checked with skopeo and the registries' access logs, never
with ferry itself."""
import hashlib
import json
import os
import re
import subprocess
import urllib.request
import uuid

import boto3
import pytest

from oci_image import build_multiarch

BIG_LAYER = 2_500_000  # with --chunk-size 1M: three PATCH chunks


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    path = tmp_path_factory.mktemp("oci") / "layout"
    return str(path), build_multiarch(str(path), "test", big_layer=BIG_LAYER)


def skopeo(*args):
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)


def creds(server):
    return ["--creds", f"{server['username']}:{server['password']}"] if "username" in server else []


def push(layout, server, repo, tags=("v1", "v2"), docker_format=False):
    """Pushes tags of the layout; docker_format converts to Docker v2 schema 2 types."""
    path, _ = layout
    for tag in tags:
        form = ["--format", "v2s2"] if docker_format else ["--preserve-digests"]
        r = skopeo("copy", "--all", *form, "--dest-tls-verify=false",
                   *[a.replace("--creds", "--dest-creds") for a in creds(server)],
                   f"oci:{path}:{tag}", f"docker://{server['host']}/{repo}:{tag}")
        assert r.returncode == 0, r.stderr


def raw_digest(server, repo, ref):
    """sha256 of the manifest bytes the registry serves, or None when absent."""
    sep = "@" if ref.startswith("sha256:") else ":"
    r = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", *creds(server),
                        f"docker://{server['host']}/{repo}{sep}{ref}"],
                       capture_output=True, timeout=60)
    return "sha256:" + hashlib.sha256(r.stdout).hexdigest() if r.returncode == 0 else None


def log_lines(server, pattern):
    with open(server["log"], errors="replace") as f:
        return [line for line in f if re.search(pattern, line)]


def uploads(server, repo):
    """Blob upload sessions opened in `repo` (mounts included)."""
    return log_lines(server, rf'"POST /v2/{re.escape(repo)}/blobs/uploads/')


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:8]}"


def sync(run_ferry, src, dst, *args, env=None):
    return run_ferry("images", "sync", src, dst, "--insecure-src", "--insecure-dst", *args,
                     env=env)


def summary(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_copies_every_tag_of_a_multiarch_image_and_resyncs_without_uploads(
        run_ferry, testbed, layout, docker_config):
    plain, auth = testbed["registry_plain"], testbed["registry_auth"]
    src, dst = unique("src/app"), unique("dst/app")
    push(layout, plain, src)
    env = docker_config("registry_auth")

    first = summary(sync(run_ferry, f"{plain['host']}/{src}", f"{auth['host']}/{dst}",
                         "--json", "--chunk-size", "1M", env=env))
    assert (first["images"], first["copied"], first["failed"]) == (2, 2, 0)
    assert first["blobs_uploaded"] == 4  # config + layer of each platform, each sent once

    _, tags = layout
    for tag, descriptor in tags.items():
        assert raw_digest(auth, dst, tag) == descriptor["digest"]
    index = json.loads(skopeo("inspect", "--raw", "--tls-verify=false", *creds(auth),
                              f"docker://{auth['host']}/{dst}:v1").stdout)
    assert {m["platform"]["architecture"] for m in index["manifests"]} == {"amd64", "arm64"}
    for platform in index["manifests"]:
        assert raw_digest(auth, dst, platform["digest"]) == platform["digest"]
    # The big layer went in chunks, the others in one PUT.
    assert len(log_lines(auth, rf'"PATCH /v2/{re.escape(dst)}/blobs/uploads/')) == 3

    before = len(uploads(auth, dst))
    again = summary(sync(run_ferry, f"{plain['host']}/{src}", f"{auth['host']}/{dst}", "--json",
                         env=env))
    assert (again["copied"], again["unchanged"], again["blobs_uploaded"]) == (0, 2, 0)
    assert again["requests"]["source"]["manifest_gets"] == 0
    assert again["requests"]["destination"]["upload_starts"] == 0
    assert len(uploads(auth, dst)) == before
    assert len(log_lines(plain, rf'"GET /v2/{re.escape(src)}/manifests/')) == 4  # first run only


def test_copies_docker_manifest_lists_with_digests_unchanged(
        run_ferry, testbed, layout, docker_config):
    plain, auth = testbed["registry_plain"], testbed["registry_auth"]
    src, dst = unique("src/docker"), unique("dst/docker")
    push(layout, plain, src, tags=("v1",), docker_format=True)
    source = json.loads(skopeo("inspect", "--raw", "--tls-verify=false",
                               f"docker://{plain['host']}/{src}:v1").stdout)
    assert source["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json"

    s = summary(sync(run_ferry, f"{plain['host']}/{src}", f"{auth['host']}/{dst}", "--json",
                     env=docker_config("registry_auth")))
    assert s["copied"] == 1
    assert raw_digest(auth, dst, "v1") == raw_digest(plain, src, "v1")
    for platform in source["manifests"]:
        assert platform["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
        assert raw_digest(auth, dst, platform["digest"]) == platform["digest"]


def test_copies_one_tag_and_filters_tags(run_ferry, testbed, layout):
    plain = testbed["registry_plain"]
    src, one, filtered = unique("src/app"), unique("one/app"), unique("filtered/app")
    push(layout, plain, src)
    _, tags = layout

    summary(sync(run_ferry, f"{plain['host']}/{src}:v2", f"{plain['host']}/{one}:stable",
                 "--json"))
    assert raw_digest(plain, one, "stable") == tags["v2"]["digest"]
    assert raw_digest(plain, one, "v1") is None

    s = summary(sync(run_ferry, f"{plain['host']}/{src}", f"{plain['host']}/{filtered}",
                     "--tags", "v[1]", "--json"))
    assert s["images"] == 1
    assert raw_digest(plain, filtered, "v1") == tags["v1"]["digest"]
    assert raw_digest(plain, filtered, "v2") is None


def test_mounts_blobs_across_repositories_of_one_registry(run_ferry, testbed, layout):
    plain = testbed["registry_plain"]
    src, dst = unique("src/app"), unique("mounted/app")
    push(layout, plain, src)
    s = summary(sync(run_ferry, f"{plain['host']}/{src}", f"{plain['host']}/{dst}", "--json"))
    assert (s["blobs_mounted"], s["blobs_uploaded"]) == (4, 0)
    assert all("mount=" in line and '" 201 ' in line for line in uploads(plain, dst))
    assert raw_digest(plain, dst, "v1") == layout[1]["v1"]["digest"]


def test_list_file_and_all_repos(run_ferry, testbed, layout, tmp_path, docker_config):
    plain, auth = testbed["registry_plain"], testbed["registry_auth"]
    ns = unique("ns")
    push(layout, plain, f"{ns}/a")
    push(layout, plain, f"{ns}/b/c", tags=("v1",))
    _, tags = layout
    env = docker_config("registry_auth")

    listed = tmp_path / "images.txt"
    listed.write_text("# selected images\n\na:v2\nb/c\n")
    prefix = unique("listed")
    s = summary(sync(run_ferry, f"{plain['host']}/{ns}", f"{auth['host']}/{prefix}",
                     "--list", str(listed), "--json", env=env))
    assert (s["images"], s["copied"]) == (2, 2)
    # Both repositories hold the arm64 blobs: sent once, then mounted.
    assert (s["blobs_uploaded"], s["blobs_mounted"]) == (4, 2)
    assert raw_digest(auth, f"{prefix}/a", "v2") == tags["v2"]["digest"]
    assert raw_digest(auth, f"{prefix}/a", "v1") is None
    assert raw_digest(auth, f"{prefix}/b/c", "v1") == tags["v1"]["digest"]

    prefix = unique("all")
    s = summary(sync(run_ferry, f"{plain['host']}/{ns}", f"{auth['host']}/{prefix}",
                     "--all-repos", "--json", env=env))
    assert (s["images"], s["copied"]) == (3, 3)
    assert (s["blobs_uploaded"], s["blobs_mounted"]) == (4, 4)
    assert raw_digest(auth, f"{prefix}/a", "v1") == tags["v1"]["digest"]
    assert raw_digest(auth, f"{prefix}/b/c", "v1") == tags["v1"]["digest"]


def test_dry_run_writes_nothing(run_ferry, testbed, layout):
    plain = testbed["registry_plain"]
    src, dst = unique("src/app"), unique("dry/app")
    push(layout, plain, src)
    r = sync(run_ferry, f"{plain['host']}/{src}", f"{plain['host']}/{dst}", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert f"would copy {src}:v1 -> {dst}:v1" in r.stdout
    assert raw_digest(plain, dst, "v1") is None
    assert uploads(plain, dst) == []


def test_ecr_destination_logs_in_with_a_token_and_creates_the_repository(
        run_ferry, testbed, layout):
    plain, ecr, moto = testbed["registry_plain"], testbed["registry_ecr"], testbed["moto"]
    src, ns = unique("src/app"), unique("ecr")
    dst = f"{ns}/app"
    push(layout, plain, src)
    env = {"AWS_ACCESS_KEY_ID": moto["access_key"], "AWS_SECRET_ACCESS_KEY": moto["secret_key"],
           "DOCKER_CONFIG": "/nonexistent"}
    s = summary(sync(run_ferry, f"{plain['host']}/{src}:v1", f"{ecr['host']}/{dst}",
                     "--dst-ecr", moto["region"], "--ecr-endpoint", moto["endpoint"], "--json",
                     env=env))
    assert s["copied"] == 1
    assert raw_digest(ecr, dst, "v1") == layout[1]["v1"]["digest"]
    client = boto3.client("ecr", endpoint_url=moto["endpoint"], region_name=moto["region"],
                          aws_access_key_id=moto["access_key"],
                          aws_secret_access_key=moto["secret_key"])
    names = [r["repositoryName"] for r in client.describe_repositories()["repositories"]]
    assert dst in names
    # The same through AWS_ENDPOINT_URL_ECR, on a repository that now exists: unchanged.
    env["AWS_ENDPOINT_URL_ECR"] = moto["endpoint"]
    s = summary(sync(run_ferry, f"{plain['host']}/{src}:v1", f"{ecr['host']}/{dst}",
                     "--dst-ecr", moto["region"], "--json", env=env))
    assert s["unchanged"] == 1
    # ECR as the source: --all-repos lists repositories with DescribeRepositories.
    back = unique("from-ecr")
    s = summary(sync(run_ferry, f"{ecr['host']}/{ns}", f"{plain['host']}/{back}", "--all-repos",
                     "--src-ecr", moto["region"], "--json", env=env))
    assert (s["images"], s["copied"]) == (1, 1)
    assert raw_digest(plain, f"{back}/app", "v1") == layout[1]["v1"]["digest"]


def test_copies_the_referrers_fallback_tag_of_an_image(run_ferry, testbed, layout):
    plain = testbed["registry_plain"]
    src, dst = unique("src/app"), unique("referred/app")
    push(layout, plain, src, tags=("v1",))
    subject = layout[1]["v1"]
    # An attestation for v1, pushed as the OCI 1.1 referrers fallback tag.
    config = b"{}"
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    base = f"http://{plain['host']}/v2/{src}"
    start = urllib.request.urlopen(urllib.request.Request(f"{base}/blobs/uploads/", method="POST"))
    location = start.headers["Location"]
    urllib.request.urlopen(urllib.request.Request(
        f"{location}&digest={config_digest}", data=config, method="PUT",
        headers={"Content-Type": "application/octet-stream"}))
    attestation = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": len(config)},
        "layers": [], "subject": {k: subject[k] for k in ("mediaType", "digest", "size")},
        "annotations": {"org.example.kind": "attestation"}}).encode()
    tag = subject["digest"].replace(":", "-")
    urllib.request.urlopen(urllib.request.Request(
        f"{base}/manifests/{tag}", data=attestation, method="PUT",
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))

    summary(sync(run_ferry, f"{plain['host']}/{src}:v1", f"{plain['host']}/{dst}", "--json"))
    assert raw_digest(plain, dst, tag) == "sha256:" + hashlib.sha256(attestation).hexdigest()


def test_errors_name_the_image_the_registry_and_what_to_check(
        run_ferry, testbed, layout, docker_config):
    plain, auth = testbed["registry_plain"], testbed["registry_auth"]
    src = unique("src/app")
    push(layout, plain, src, tags=("v1",))

    r = sync(run_ferry, "127.0.0.1:9/x/y:v1", f"{plain['host']}/z")  # discard port: refused
    assert r.returncode == 4
    assert "127.0.0.1:9" in r.stderr and "--insecure-src" in r.stderr

    r = sync(run_ferry, f"{plain['host']}/{src}:v1", f"{auth['host']}/{unique('d')}",
             env=docker_config("registry_auth", password="wrong-password"))
    assert r.returncode == 4
    assert auth["host"] in r.stderr and "refused user 'ferry'" in r.stderr
    assert "wrong-password" not in r.stderr + r.stdout

    r = sync(run_ferry, f"{plain['host']}/{src}:v1", f"{auth['host']}/{unique('d')}",
             env={"DOCKER_CONFIG": "/nonexistent"})
    assert r.returncode == 4 and "requires a login" in r.stderr

    r = sync(run_ferry, f"{plain['host']}/{src}:nope", f"{plain['host']}/{unique('d')}")
    assert r.returncode == 3
    assert f"tag 'nope' not found in repository {src} at registry {plain['host']}" in r.stderr

    r = sync(run_ferry, f"{plain['host']}/{unique('missing')}", f"{plain['host']}/d")
    assert r.returncode == 4 and "NAME_UNKNOWN" in r.stderr

    for bad in (["http://x/y", f"{plain['host']}/d"], [f"{plain['host']}/Up/Per", "h/d"],
                [f"{plain['host']}", "h/d"], [f"{plain['host']}/a", "h/d:t"]):
        r = run_ferry("images", "sync", *bad)
        assert r.returncode == 2, (bad, r.stderr)
