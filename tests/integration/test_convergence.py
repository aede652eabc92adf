"""A resync copies only what changed, whatever client wrote the source.

Sources are written by the clients people use, each splitting objects into parts
its own way (the AWS CLI and boto3 at 8 MiB, rclone at --s3-chunk-size, s3cmd at
15 MiB), at sizes around those split points. For every direction (S3 -> S3 on
two different services, S3 -> folder, folder -> S3): sync, sync again (nothing
rewritten, only listing requests), check (exit 0, no lines), then one object
changes and exactly that one is named by check and copied by sync. Every claim
is checked with boto3 or the file system, never with ferry itself.
"""
import hashlib
import json
import os
import shutil
import subprocess

import pytest
from boto3.s3.transfer import TransferConfig

MiB = 1 << 20
# Around the split points of the common clients: 5 MiB (S3's minimum part,
# rclone's cutoff here), 8 MiB (AWS CLI, boto3), 15 MiB (s3cmd), 16 MiB.
SIZES = [5 * MiB, 8 * MiB + 1, 15 * MiB, 16 * MiB + 3]


def body(size, seed):
    block = hashlib.sha256(f"{seed}".encode()).digest() * 128  # 4 KiB
    return (block * (size // len(block) + 1))[:size]


def aws_cli():
    # Debian's AWS CLI (installed by scripts/install-deps.sh) before any other on PATH.
    return "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else "aws"


class Writers:
    """Writes one local file to a bucket with a given client."""

    def __init__(self, testbed, server, s3, tmp_path):
        self.server, self.s3, self.tmp = testbed[server], s3(server), tmp_path
        self.env = dict(os.environ)
        self.env.update({"AWS_ACCESS_KEY_ID": self.server["access_key"],
                         "AWS_SECRET_ACCESS_KEY": self.server["secret_key"],
                         "AWS_DEFAULT_REGION": self.server["region"]})
        # Debian's rclone refuses to start with AWS_CA_BUNDLE set.
        self.env.pop("AWS_CA_BUNDLE", None)

    def run(self, cmd):
        done = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{cmd[0]} failed: {done.stderr}"

    def aws(self, path, bucket, key):
        self.run([aws_cli(), "s3", "cp", str(path), f"s3://{bucket}/{key}",
                  "--endpoint-url", self.server["endpoint"], "--only-show-errors"])

    def boto3(self, path, bucket, key):
        self.s3.upload_file(str(path), bucket, key)

    def boto3_16m(self, path, bucket, key):
        self.s3.upload_file(str(path), bucket, key, Config=TransferConfig(
            multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB))

    def rclone(self, path, bucket, key):
        host = self.server["endpoint"]
        self.env.update({"RCLONE_CONFIG_TB_TYPE": "s3", "RCLONE_CONFIG_TB_PROVIDER": "Other",
                         "RCLONE_CONFIG_TB_ENDPOINT": host,
                         "RCLONE_CONFIG_TB_ACCESS_KEY_ID": self.server["access_key"],
                         "RCLONE_CONFIG_TB_SECRET_ACCESS_KEY": self.server["secret_key"],
                         "RCLONE_CONFIG_TB_FORCE_PATH_STYLE": "true"})
        self.run(["rclone", "copyto", str(path), f"tb:{bucket}/{key}", "--s3-upload-cutoff",
                  "5M", "--s3-chunk-size", "5M", "--s3-disable-checksum"])

    def s3cmd(self, path, bucket, key):
        host = self.server["endpoint"].removeprefix("http://")
        config = self.tmp / "s3cfg"
        config.write_text("[default]\n")
        self.run(["s3cmd", "-c", str(config), "--access_key", self.server["access_key"],
                  "--secret_key", self.server["secret_key"], "--host", host,
                  "--host-bucket", host, "--no-ssl", "--region", self.server["region"],
                  "--no-progress", "put", str(path), f"s3://{bucket}/{key}"])

    def put_object(self, path, bucket, key):
        self.s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


CLIENTS = ["aws", "boto3", "boto3_16m", "rclone", "s3cmd"]


def write_source(writers, bucket, tmp_path, seed=0):
    """Every client writes every size; plus one 20 MiB single PUT (above the
    threshold the tests use: copied in ferry's own parts). Returns {key: bytes}."""
    written = {}
    for client in CLIENTS:
        for size in SIZES:
            key = f"{client}/{size}.bin"
            data = body(size, f"{client}{size}{seed}")
            path = tmp_path / "upload.bin"
            path.write_bytes(data)
            getattr(writers, client)(path, bucket, key)
            written[key] = data
    path = tmp_path / "upload.bin"
    written["single/20m.bin"] = body(20 * MiB, f"single{seed}")
    path.write_bytes(written["single/20m.bin"])
    writers.put_object(path, bucket, "single/20m.bin")
    return written


def listing(client, bucket):
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["ETag"], o["LastModified"], o["Size"])
    return out


def object_bytes(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def folder_state(root):
    """{key: (inode, mtime_ns)}: a file rewritten by ferry gets a new inode (rename)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            out[os.path.relpath(path, root)] = (st.st_ino, st.st_mtime_ns)
    return out


def summary(done):
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def difference_lines(done):
    """check's per-key lines (everything before the summary line)."""
    return [line for line in done.stdout.splitlines() if not line.startswith("listed ")]


def test_writers_make_the_layouts_this_suite_relies_on(testbed, s3, bucket, tmp_path):
    """Guards the premise: each client splits where we think it does."""
    writers = Writers(testbed, "seaweed_a", s3, tmp_path)
    b = bucket("seaweed_a")
    path = tmp_path / "f.bin"
    path.write_bytes(body(16 * MiB + 3, "premise"))
    expected_parts = {"aws": 3, "boto3": 3, "boto3_16m": 2, "rclone": 4, "s3cmd": 2}
    for client, parts in expected_parts.items():
        getattr(writers, client)(path, b, client)
        etag = s3("seaweed_a").head_object(Bucket=b, Key=client)["ETag"].strip('"')
        assert etag.endswith(f"-{parts}"), (client, etag)


@pytest.mark.parametrize("src_server,dst_server", [("seaweed_a", "moto"), ("moto", "seaweed_b")])
def test_s3_to_s3_converges_for_every_client_layout(src_server, dst_server, testbed, s3, bucket,
                                                    side_args, run_ferry, tmp_path):
    src, dst = bucket(src_server), bucket(dst_server)
    writers = Writers(testbed, src_server, s3, tmp_path)
    written = write_source(writers, src, tmp_path)
    flags = [f"s3://{src}", f"s3://{dst}", *side_args("src", src_server),
             *side_args("dst", dst_server), "--multipart-threshold", "10M", "--json"]

    first = summary(run_ferry("sync", *flags))
    assert first["copied"] == len(written) and first["failed"] == 0, first
    assert first["unverified"] == 0, first
    src_list, dst_list = listing(s3(src_server), src), listing(s3(dst_server), dst)
    assert set(dst_list) == set(written)
    # Single-part sources above the threshold go in ferry's own parts (their
    # source ETag recorded); every other copy has its source's ETag.
    own_layout = {k for k, (etag, _, size) in src_list.items() if "-" not in etag and size > 10 * MiB}
    assert "single/20m.bin" in own_layout
    for key, data in written.items():
        assert object_bytes(s3(dst_server), dst, key) == data, key
        if key not in own_layout:
            assert dst_list[key][0] == src_list[key][0], key

    second = summary(run_ferry("sync", *flags))
    assert second["copied"] == 0 and second["matched"] == len(written), second
    assert listing(s3(dst_server), dst) == dst_list, "the second sync rewrote objects"
    # Only listings, and one HEAD for each copy whose ETag cannot equal its
    # source's (a single-part source copied in parts: its source ETag is recorded).
    requests = second["requests"]
    assert set(requests["source"]) == {"ListObjectsV2"}, requests
    assert set(requests["destination"]) == {"ListObjectsV2", "HeadObject"}, requests
    assert requests["destination"]["HeadObject"] == len(own_layout), requests

    check = run_ferry("check", *flags[:-1])
    assert check.returncode == 0, check.stdout + check.stderr
    assert difference_lines(check) == []
    checksum = run_ferry("check", *flags[:-1], "--compare", "checksum")
    assert checksum.returncode == 0, checksum.stdout + checksum.stderr

    # One object changes (same size, same client): exactly that one is named and copied.
    changed = "rclone/15728640.bin"
    path = tmp_path / "changed.bin"
    path.write_bytes(body(15 * MiB, "changed"))
    writers.rclone(path, src, changed)
    check = run_ferry("check", *flags[:-1])
    assert check.returncode == 1
    assert difference_lines(check) == [f"{changed}: differs: etag"], check.stdout
    third = summary(run_ferry("sync", *flags))
    assert third["copied"] == 1, third
    after = listing(s3(dst_server), dst)
    assert {k for k in after if after[k] != dst_list[k]} == {changed}
    assert object_bytes(s3(dst_server), dst, changed) == path.read_bytes()


def test_s3_to_folder_converges_and_names_a_change(testbed, s3, bucket, side_args, run_ferry,
                                                  tmp_path):
    src = bucket("seaweed_a")
    writers = Writers(testbed, "seaweed_a", s3, tmp_path)
    written = write_source(writers, src, tmp_path)
    folder = tmp_path / "copy"
    flags = [f"s3://{src}", str(folder), *side_args("src", "seaweed_a"),
             "--multipart-threshold", "10M", "--json"]

    first = summary(run_ferry("sync", *flags))
    assert first["copied"] == len(written) and first["failed"] == 0, first
    for key, data in written.items():
        assert (folder / key).read_bytes() == data, key
    state = folder_state(folder)

    second = summary(run_ferry("sync", *flags))
    assert second["copied"] == 0, second
    assert folder_state(folder) == state, "the second sync rewrote files"
    assert set(second["requests"]["source"]) == {"ListObjectsV2"}, second["requests"]
    for mode in ["size-etag", "checksum"]:
        check = run_ferry("check", *flags[:-1], "--compare", mode)
        assert check.returncode == 0, (mode, check.stdout, check.stderr)
        assert difference_lines(check) == []

    changed = "aws/8388609.bin"
    path = tmp_path / "changed.bin"
    path.write_bytes(body(8 * MiB + 1, "changed"))
    writers.aws(path, src, changed)
    check = run_ferry("check", *flags[:-1])
    assert check.returncode == 1
    assert difference_lines(check) == [f"{changed}: differs: newer in source"], check.stdout
    third = summary(run_ferry("sync", *flags))
    assert third["copied"] == 1, third
    after = folder_state(folder)
    assert {k for k in after if after[k] != state[k]} == {changed}
    assert (folder / changed).read_bytes() == path.read_bytes()


def test_folder_to_s3_converges_and_checksum_sees_a_same_size_same_mtime_change(
        s3, bucket, side_args, run_ferry, tmp_path):
    dst = bucket("seaweed_b")
    folder = tmp_path / "data"
    written = {}
    for size in SIZES + [20 * MiB, 0, 1]:
        key = f"sub/{size}.bin"
        written[key] = body(size, size)
        (folder / "sub").mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(written[key])
    flags = [str(folder), f"s3://{dst}", *side_args("dst", "seaweed_b"),
             "--multipart-threshold", "10M", "--json"]

    first = summary(run_ferry("sync", *flags))
    assert first["copied"] == len(written) and first["failed"] == 0, first
    dst_list = listing(s3("seaweed_b"), dst)
    for key, data in written.items():
        assert object_bytes(s3("seaweed_b"), dst, key) == data, key

    second = summary(run_ferry("sync", *flags))
    assert second["copied"] == 0, second
    assert listing(s3("seaweed_b"), dst) == dst_list
    assert set(second["requests"]["destination"]) == {"ListObjectsV2"}, second["requests"]
    check = run_ferry("check", *flags[:-1], "--compare", "checksum")
    assert check.returncode == 0, check.stdout + check.stderr

    # Same size, same mtime, other bytes: only reading the bytes can see it.
    victim = folder / "sub" / f"{16 * MiB + 3}.bin"
    st = os.stat(victim)
    data = bytearray(victim.read_bytes())
    data[12345] ^= 0xFF
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    quick = run_ferry("check", *flags[:-1])
    assert quick.returncode == 0, "size-etag cannot see it; this premise must hold"
    deep = run_ferry("check", *flags[:-1], "--compare", "checksum")
    assert deep.returncode == 1, deep.stdout + deep.stderr
    assert difference_lines(deep) == [f"sub/{16 * MiB + 3}.bin: differs: content"], deep.stdout
    fixed = summary(run_ferry("sync", *flags, "--compare", "checksum"))
    assert fixed["copied"] == 1, fixed
    assert object_bytes(s3("seaweed_b"), dst, f"sub/{16 * MiB + 3}.bin") == bytes(data)


def test_a_file_written_in_the_second_of_its_upload_is_not_uploaded_again(
        s3, bucket, side_args, run_ferry, tmp_path):
    dst = bucket("seaweed_a")
    folder = tmp_path / "fresh"
    folder.mkdir()
    for i in range(20):
        (folder / f"f{i}.txt").write_text(f"written just now {i}")
    flags = [str(folder), f"s3://{dst}", *side_args("dst", "seaweed_a"), "--json"]
    assert summary(run_ferry("sync", *flags))["copied"] == 20
    before = listing(s3("seaweed_a"), dst)
    assert summary(run_ferry("sync", *flags))["copied"] == 0
    assert listing(s3("seaweed_a"), dst) == before
