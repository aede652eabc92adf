"""Guards (issue 16): a listing that fails partway through a `--delete` run deletes
nothing; `--allow-empty-source` empties the destination; keys rotated on SeaweedFS in
the middle of a run (its -s3.config rewritten and reloaded, the secret file rewritten)
do not stop the run."""
import json
import os
import signal
import uuid

import boto3
import pytest
from botocore.config import Config

from conftest import pattern
from reliability import (Rule, differing, fault_proxy, fill, proxy_figures,  # noqa: F401
                         record, summary, through, wait_for)


def keys_of(client, bucket):
    return sorted(o["Key"] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket) for o in page.get("Contents", []))


@pytest.mark.parametrize("fault", ["internal", "cut"])
def test_a_listing_that_fails_partway_deletes_nothing(fault, s3, bucket, side_args, run_ferry,
                                                      fault_proxy):
    """The source lists by folder (a/, b/, c/); every listing of b/ fails (500, or its
    answer cut mid-way), after a/ and c/ listed fine. Had ferry trusted the partial
    listing, b/* and the destination's extra objects would be deleted."""
    src, dst = bucket("moto"), bucket("moto")
    c = s3("moto")
    objects = {f"{d}/{i}": pattern(100 + i, seed=i) for d in "abc" for i in range(10)}
    fill(c, src, objects)
    fill(c, dst, {**objects, "extra/1": b"only in the destination"})
    listing_of_b = Rule(fault, method="GET", direction="response",
                        where=lambda req: req.params.get("prefix") == "b/" and
                        "list-type" in req.params)
    proxy = fault_proxy("moto", [listing_of_b])
    args = ["sync", f"s3://{src}", f"s3://{dst}", *through(side_args("src", "moto"), proxy),
            *side_args("dst", "moto"), "--delete", "--json"]
    r = run_ferry(*args)
    assert r.returncode == 4, r.stderr
    assert "source" in r.stderr and src in r.stderr, r.stderr  # the side and the bucket
    assert keys_of(c, dst) == sorted([*objects, "extra/1"])  # nothing deleted
    figures = proxy_figures(proxy)
    assert figures["faults"] >= 1 and all(f["query"] for f in proxy.faults())
    listed_a = [rec for rec in proxy.records() if "prefix=a%2F" in rec["query"]]
    assert listed_a and all(rec["status"] == 200 for rec in listed_a)  # it failed partway
    record(f"guard: source listing fails partway ({fault}) in a --delete run",
           objects=len(objects) + 1, lost=0, seed=None, **figures)

    # Without the fault the same command deletes: the guard above is what held.
    proxy.set_rules([])
    r = run_ferry(*args)
    assert r.returncode == 0, r.stderr
    assert summary(r)["deleted"] == 1
    assert keys_of(c, dst) == sorted(objects)


def test_allow_empty_source_empties_the_destination(s3, bucket, side_args, run_ferry):
    src, dst = bucket("seaweed_a"), bucket("moto")
    fill(s3("moto"), dst, {f"k/{i}": b"x" * i for i in range(12)})
    r = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
                  *side_args("dst", "moto"), "--delete", "--allow-empty-source", "--json")
    assert r.returncode == 0, r.stderr
    assert summary(r)["deleted"] == 12
    assert keys_of(s3("moto"), dst) == []
    record("guard: --allow-empty-source empties the destination", objects=12, lost=0,
           seed=None, requests=None, faults=0, faults_by_kind={})


ROTATION_IDENTITY = "ferry-rotation-test"


class SeaweedKeys:
    """Rotates the keys of one identity of a test-bed SeaweedFS: its -s3.config
    rewritten, then SIGHUP (SeaweedFS reloads the file; an identity whose keys
    changed loses the old ones). The test bed's own identity is never touched."""

    def __init__(self, server):
        self.server = server
        self.path = server["s3_config"]
        with open(self.path) as f:
            self.original = json.load(f)

    def set(self, *keys):
        """The identity's keys become `keys`: (access key, secret key) pairs."""
        config = json.loads(json.dumps(self.original))
        config["identities"] = [i for i in config["identities"]
                                if i["name"] != ROTATION_IDENTITY]
        config["identities"].append({
            "name": ROTATION_IDENTITY,
            "credentials": [{"accessKey": a, "secretKey": s} for a, s in keys],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]})
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(config, f)
        os.replace(tmp, self.path)
        os.kill(self.server["pid"], signal.SIGHUP)

    def accepts(self, access_key, secret_key):
        client = boto3.client("s3", endpoint_url=self.server["endpoint"], region_name="us-east-1",
                              aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                              config=Config(retries={"max_attempts": 1}))
        try:
            client.list_buckets()
            return True
        except client.exceptions.ClientError:
            return False

    def rotate(self, old, new, secret_file):
        """As keys are rotated: the new key added, the secret file rewritten, the old
        key removed (each step once SeaweedFS has reloaded the previous one)."""
        self.set(old, new)
        wait_for("SeaweedFS to add the new key", lambda: self.accepts(*new), timeout=30)
        secret_file.write_text(json.dumps({"access_key_id": new[0],
                                           "secret_access_key": new[1]}))
        self.set(new)
        wait_for("SeaweedFS to drop the old key", lambda: not self.accepts(*old), timeout=30)


def test_keys_rotated_mid_run_on_seaweedfs_the_run_completes(testbed, s3, bucket, side_args,
                                                             run_ferry, fault_proxy, tmp_path):
    server = testbed["seaweed_a"]
    if "s3_config" not in server:
        pytest.fail("the test bed predates key rotation support: restart it "
                    "(tests/testbed/testbed.py writes s3_config and pid)")
    keys = SeaweedKeys(server)
    old = (f"AKROT{uuid.uuid4().hex[:10].upper()}", f"old-{uuid.uuid4().hex}")
    new = (f"AKROT{uuid.uuid4().hex[:10].upper()}", f"new-{uuid.uuid4().hex}")
    keys.set(old)
    wait_for("SeaweedFS to load the first keys", lambda: keys.accepts(*old), timeout=30)
    src, dst = bucket("moto"), bucket("seaweed_a")
    objects = {f"r/{i:02d}": pattern(20_000 + i, seed=i) for i in range(40)}
    fill(s3("moto"), src, objects)
    secret = tmp_path / "rotating-secret.json"
    secret.write_text(json.dumps({"access_key_id": old[0], "secret_access_key": old[1]}))
    puts = {"n": 0}

    def rotate_at_the_tenth_put(req):
        puts["n"] += 1
        if puts["n"] == 10:
            keys.rotate(old, new, secret)
        return None  # this PUT goes on, signed with the old key: refused
    proxy = fault_proxy("seaweed_a", [Rule("hook", method="PUT", fn=rotate_at_the_tenth_put)])
    try:
        r = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"),
                      "--dst-endpoint", proxy.url, "--dst-secret", str(secret),
                      "--transfers", "4", "--json")
    finally:
        keys.set((f"AKGONE{uuid.uuid4().hex[:8].upper()}", uuid.uuid4().hex))  # none usable
    refused = [rec for rec in proxy.records() if rec["status"] == 403]
    assert puts["n"] >= 10 and refused, "the keys were not rotated while the run was going"
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert (s["copied"], s["failed"]) == (len(objects), 0)
    assert differing(s3("seaweed_a"), dst, objects) == []
    assert old[1] not in r.stderr and new[1] not in r.stderr
    record("guard: keys rotated on SeaweedFS mid-run", objects=len(objects), lost=0, seed=None,
           requests=len(proxy.records()), faults=1, faults_by_kind={"key rotation": 1},
           refused_then_reread=len(refused))
