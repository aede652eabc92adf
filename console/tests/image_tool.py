#!/usr/bin/env python3
"""What the browser tests do with container images outside the browser, with
skopeo (an independent client), never with ferry:

  image_tool.py push REGISTRY REPO DIR   builds a small image layout in DIR
                                         (tests/integration/oci_image.py: tag
                                         "v1" an index of amd64 + arm64, "v2"
                                         arm64 alone), pushes both tags to REPO on
                                         REGISTRY (a test bed name) keeping their
                                         digests, prints {"v1": DIGEST, "v2": ...}
  image_tool.py digest REGISTRY REPO TAG prints the sha256 of the manifest bytes
                                         the registry serves for REPO:TAG; exit 1
                                         when it has none

Registries come from FERRY_TESTBED (the test bed's endpoints.json).
"""
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tests/integration"))
from oci_image import build_multiarch  # noqa: E402


def registry(name):
    with open(os.environ["FERRY_TESTBED"]) as f:
        return json.load(f)[name]


def creds(r, flag):
    return [flag, f"{r['username']}:{r['password']}"] if "username" in r else []


def push(name, repo, path):
    r = registry(name)
    tags = build_multiarch(path, repo)
    for tag in tags:
        out = subprocess.run(["skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
                              *creds(r, "--dest-creds"), f"oci:{path}:{tag}",
                              f"docker://{r['host']}/{repo}:{tag}"],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            sys.exit(f"skopeo copy {tag}: {out.stderr}")
    print(json.dumps({tag: d["digest"] for tag, d in tags.items()}))


def digest(name, repo, tag):
    r = registry(name)
    out = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", *creds(r, "--creds"),
                          f"docker://{r['host']}/{repo}:{tag}"], capture_output=True, timeout=60)
    if out.returncode != 0:
        sys.stderr.write(out.stderr.decode(errors="replace"))
        sys.exit(1)
    print("sha256:" + hashlib.sha256(out.stdout).hexdigest())


if __name__ == "__main__":
    commands = {"push": push, "digest": digest}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
