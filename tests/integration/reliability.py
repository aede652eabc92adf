"""Shared pieces of the reliability suites (issue 16): fault proxies in front of the
test-bed servers, ferry runs in the background, checks of what the servers hold made
with boto3 only, and the record each scenario leaves for docs/RELIABILITY.md.

FERRY_RELIABILITY_RESULTS=FILE  each scenario appends one JSON line to FILE
                                (tests/reliability/report.py sets it)
FERRY_SOAK=N                    N times the seeds, crash points and objects (outside CI)
"""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "faults"))
from fault_proxy import FaultProxy, RandomFaults, Rule, concurrency, mean_concurrency  # noqa

MIB = 1024 * 1024
SOAK = max(1, int(os.environ.get("FERRY_SOAK", "1") or 1))


class KnownDefect(AssertionError):
    """The failure a test marked xfail(raises=KnownDefect, strict=True) expects: any
    other failure of that test still fails it, and a fix makes it pass (strict)."""


def record(scenario, **fields):
    """One line of the reliability report: the scenario, the faults injected, the
    requests the proxies saw, the objects verified, what was lost, the seed."""
    path = os.environ.get("FERRY_RELIABILITY_RESULTS")
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"scenario": scenario, **fields}) + "\n")


def proxy_figures(*proxies):
    """Requests and applied faults (by kind) over `proxies`."""
    requests, by_kind = 0, {}
    for p in proxies:
        requests += p.stats()["requests"]
        for f in p.faults():
            if f["applied"]:
                by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
    return {"requests": requests, "faults": sum(by_kind.values()), "faults_by_kind": by_kind}


@pytest.fixture
def fault_proxy(testbed):
    """fault_proxy("moto", rules=[...], random_faults=..., seed=N) -> a started
    FaultProxy in front of that test-bed server, on a free port; stopped afterwards.
    The proxy must not have failed on its own (errors not injected)."""
    started = []

    def make(server, rules=(), random_faults=None, seed=0):
        proxy = FaultProxy(testbed[server]["endpoint"], rules, random_faults, seed=seed,
                           name=server).start()
        started.append(proxy)
        return proxy
    yield make
    for p in started:
        p.stop()
    for p in started:
        assert p.errors == [], f"the fault proxy failed on its own: {p.errors[:5]}"


def through(args, proxy):
    """Side flags (from the side_args fixture) with the endpoint replaced by `proxy`."""
    args = list(args)
    for i, a in enumerate(args):
        if a.endswith("-endpoint"):
            args[i + 1] = proxy.url
    return args


def ferry_env(tmp_path, extra=None):
    """The environment run_ferry gives ferry: private HOME and state, no AWS variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.setdefault("HOME", str(tmp_path))
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra or {})
    return env


def summary(result):
    assert result.stdout.strip(), result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def report_lines(path):
    return [json.loads(line) for line in open(path).read().splitlines() if line.strip()]


def md5(data):
    return hashlib.md5(data).hexdigest()


def fill(client, bucket, objects):
    """Writes {key: bytes} with single PUTs (ETag = MD5 of the bytes)."""
    for key, data in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)


def differing(client, bucket, expected):
    """Keys of `expected` ({key: bytes}) that the bucket lacks or holds other bytes for,
    read back whole with boto3."""
    bad = []
    for key, data in expected.items():
        try:
            got = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            bad.append(key)
            continue
        if got != data:
            bad.append(key)
    return bad


def uploads_left(client, bucket):
    return client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def part_snapshot(client, bucket):
    """{upload_id: {"key", "parts": {n: (etag, last_modified)}}} of every unfinished
    multipart upload in the bucket, as ListParts shows them now."""
    out = {}
    for u in uploads_left(client, bucket):
        try:
            parts = client.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
        except client.exceptions.NoSuchUpload:
            continue  # completed or aborted between the two requests
        out[u["UploadId"]] = {"key": u["Key"], "parts": {
            p["PartNumber"]: (p["ETag"], p["LastModified"]) for p in parts.get("Parts", [])}}
    return out


def _checkpoint_rows(state_dir, sql):
    rows = []
    for root, _, files in os.walk(state_dir):
        for name in files:
            if not name.endswith(".db"):
                continue
            db = sqlite3.connect(f"file:{os.path.join(root, name)}?mode=ro", uri=True)
            try:
                rows += [tuple(v.decode() if isinstance(v, bytes) else v for v in row)
                         for row in db.execute(sql)]
            except sqlite3.OperationalError:
                pass  # killed before the schema was written
            finally:
                db.close()
    return rows


def recorded_uploads(state_dir):
    """{upload_id: key} of the multipart uploads ferry's checkpoints know of."""
    return {u: k for k, u in _checkpoint_rows(state_dir, "SELECT key, upload_id FROM uploads")}


def recorded_parts(state_dir):
    """{(key, part_number): etag} of the parts ferry's checkpoints record as finished
    (verified and saved) in `state_dir`. Only which parts ferry had finished is taken
    from here; whether they were kept is judged from the server and the proxy."""
    return {(k, n): etag for k, n, etag in
            _checkpoint_rows(state_dir, "SELECT key, part_number, etag FROM parts")}


class CompletionWatch:
    """A hook for a fault proxy in front of the destination: just before each
    CompleteMultipartUpload reaches the server, ListParts of that upload is taken, so a
    resumed upload's parts can be compared with a snapshot from before a kill."""

    def __init__(self, client, bucket):
        self.client, self.bucket = client, bucket
        self.at_completion = {}  # upload id -> {n: (etag, last_modified)}

    def rule(self):
        return Rule("hook", method="POST", query=r"(^|&)uploadId=", fn=self._take)

    def _take(self, req):
        upload_id = req.params["uploadId"]
        try:
            parts = self.client.list_parts(Bucket=self.bucket, Key=req.key, UploadId=upload_id)
        except self.client.exceptions.NoSuchUpload:
            self.at_completion.setdefault(upload_id, None)  # completed or aborted already
            return
        self.at_completion[upload_id] = {
            p["PartNumber"]: (p["ETag"], p["LastModified"]) for p in parts.get("Parts", [])}


def assert_finished_parts_kept(before, recorded, watch, rerun_records, after_kill=None):
    """Parts that ferry had finished before the kill (recorded in its checkpoints and
    listed by the server) were not sent again by the rerun (no UploadPart for them
    through the proxy) and are the same parts at completion (ETag and LastModified as
    ListParts showed them before the kill). `after_kill`: the uploads still there once
    the process was dead (part_snapshot); one the killed process completed (or
    aborted) in its last instant is not checked. Returns how many parts were checked."""
    checked = 0
    for upload_id, upload in before.items():
        if after_kill is not None and upload_id not in after_kill:
            continue
        finished = {n: v for n, v in upload["parts"].items()
                    if recorded.get((upload["key"], n)) == v[0].strip('"')}
        if not finished:
            continue
        assert upload_id in watch.at_completion, (
            f"upload {upload_id} of '{upload['key']}' had {len(finished)} finished parts but "
            f"was not completed: the rerun started over")
        after = watch.at_completion[upload_id]
        assert after is not None, (
            f"upload {upload_id} of '{upload['key']}' was gone when the rerun completed it")
        for n, (etag, modified) in finished.items():
            assert after.get(n) == (etag, modified), (
                f"part {n} of '{upload['key']}' changed: {etag} {modified} -> {after.get(n)}")
            resent = [r for r in rerun_records if r["method"] == "PUT" and
                      query_params(r["query"]).get("uploadId") == upload_id and
                      query_params(r["query"]).get("partNumber") == str(n)]
            assert not resent, f"part {n} of '{upload['key']}' was uploaded again"
            checked += 1
    return checked


def query_params(query):
    return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


def wait_for(what, predicate, timeout=60, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)  # a polling interval, not a synchronisation
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start_ferry(ferry_bin, args, env):
    return subprocess.Popen([ferry_bin, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
