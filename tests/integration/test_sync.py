"""`ferry sync | copy | check` end to end on real servers, checked with boto3
byte for byte and header for header."""
import hashlib
import io
import json
import os
import signal
import subprocess
import time

import pytest
from boto3.s3.transfer import TransferConfig

from conftest import pattern
from reliability import (CompletionWatch, assert_finished_parts_kept, fault_proxy,  # noqa: F401
                         part_snapshot, recorded_parts, through)

MIB = 1024 * 1024
# Sizes at every boundary of a 5 MiB threshold and 5 MiB parts.
BOUNDARY_SIZES = [0, 1, 5 * MIB - 1, 5 * MIB, 5 * MIB + 1, 10 * MIB, 10 * MIB + 1]
AWKWARD = ["with space.txt", "plus+sign", "percent%20literal", "question?mark", "hash#tag",
           "amp&and=eq", "tilde~", "quote\"double'single", "日本語/ファイル", "emoji-🚀",
           "dir/sub dir/file (1).bin"]


def md5(data):
    return hashlib.md5(data).hexdigest()


def objects(client, bucket):
    """key -> (size, etag) as boto3 lists them."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = (o["Size"], o["ETag"].strip('"'))
    return out


def body(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def summary(result):
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def put(client, bucket, key, data, **kw):
    # boto3 stalls 60 s on SeaweedFS after an empty PUT on a kept-alive connection
    # (a server quirk); a fresh client per empty object sidesteps it.
    client.put_object(Bucket=bucket, Key=key, Body=data, **kw)


@pytest.mark.parametrize("src_server,dst_server", [("seaweed_a", "moto"), ("moto", "seaweed_b")])
def test_sync_between_services_byte_and_header_exact(src_server, dst_server, s3, bucket,
                                                     side_args, run_ferry, tmp_path):
    src, dst = bucket(src_server), bucket(dst_server)
    sc, dc = s3(src_server), s3(dst_server)
    expected = {}
    for i, key in enumerate(AWKWARD):
        data = pattern(100 + i, seed=i)
        put(sc, src, key, data, ContentType="text/x-ferry", CacheControl="max-age=60",
            ContentDisposition="attachment", ContentLanguage="en", Metadata={"origin": "t", "n": str(i)})
        expected[key] = data
    for size in BOUNDARY_SIZES:
        if size == 0:
            continue  # written below with a fresh connection
        data = pattern(size, seed=size % 7)
        put(sc, src, f"sizes/{size}", data)
        expected[f"sizes/{size}"] = data
    sc.put_object(Bucket=src, Key="sizes/0", Body=b"")
    expected["sizes/0"] = b""

    report = tmp_path / "report.jsonl"
    r = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", src_server),
                  *side_args("dst", dst_server), "--multipart-threshold", "5M",
                  "--part-size", "5M", "--json", "--report", str(report))
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert s["copied"] == len(expected) and s["failed"] == 0
    assert s["bytes"] == sum(len(v) for v in expected.values())

    listed = objects(dc, dst)
    assert sorted(listed) == sorted(expected)
    for key, data in expected.items():
        assert body(dc, dst, key) == data, key
    for key in AWKWARD:
        h_src, h_dst = sc.head_object(Bucket=src, Key=key), dc.head_object(Bucket=dst, Key=key)
        for header in ["ContentType", "CacheControl", "ContentDisposition", "ContentLanguage",
                       "Metadata"]:
            assert h_dst.get(header) == h_src.get(header), (key, header)
    # Objects above the threshold went multipart with 5 MiB parts: same ETag as a
    # 5 MiB-part upload of the same bytes.
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    methods = {line["key"]: line.get("method") for line in lines if line["action"] == "copied"}
    assert methods[f"sizes/{5 * MIB + 1}"] == "multipart"
    assert methods[f"sizes/{5 * MIB}"] == "put"
    assert len(lines) == len(expected)

    # A second run over unchanged data copies nothing.
    r2 = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", src_server),
                   *side_args("dst", dst_server), "--multipart-threshold", "5M",
                   "--part-size", "5M", "--json")
    assert r2.returncode == 0, r2.stderr
    s2 = summary(r2)
    assert s2["copied"] == 0 and s2["matched"] == len(expected)


def peak_rss_mib(ferry_bin, work_dir, *args):
    """Runs ferry to its end: (exit code, its peak RSS in MiB). Measured by GNU time,
    whose own child ferry is: a child of this Python process would inherit its peak
    (Linux carries the high-water mark across fork and exec)."""
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true",
               XDG_STATE_HOME=str(work_dir / "state"))
    out = work_dir / "peak-kib"
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(out), ferry_bin, *args],
                       capture_output=True, text=True, env=env, timeout=300)
    return r.returncode, int(out.read_text().split()[-1]) / 1024


@pytest.mark.parametrize("src_server,dst_server", [("seaweed_a", "seaweed_b"),
                                                   ("moto", "seaweed_a")])
def test_a_single_put_is_streamed_not_held_in_memory(src_server, dst_server, s3, bucket,
                                                     side_args, ferry_bin, run_ferry, tmp_path):
    """An object copied in one PUT (below --multipart-threshold) goes from its GET into
    its PUT through a 1 MiB pipe. Held whole it alone would take 96 MiB (the budget
    admits an object above it when nothing else holds memory); streamed, ferry's peak
    stays under half of that. The copy keeps the source's ETag, bytes, content type
    and metadata, and the second run copies nothing."""
    src, dst = bucket(src_server), bucket(dst_server)
    data = pattern(96 * MIB, seed=5)
    s3(src_server).put_object(Bucket=src, Key="big/one-put.bin", Body=data,
                              ContentType="application/x-ferry-test", Metadata={"origin": "boto3"})
    args = ["sync", f"s3://{src}", f"s3://{dst}", *side_args("src", src_server),
            *side_args("dst", dst_server), "--memory", "16M", "--no-progress"]
    code, peak = peak_rss_mib(ferry_bin, tmp_path, *args)
    assert code == 0
    assert peak < 48, f"peak RSS {peak:.0f} MiB for a 96 MiB object: not streamed"
    source = s3(src_server).head_object(Bucket=src, Key="big/one-put.bin")
    copy = s3(dst_server).head_object(Bucket=dst, Key="big/one-put.bin")
    assert copy["ETag"] == source["ETag"]
    assert copy["ContentType"] == "application/x-ferry-test"
    assert copy["Metadata"] == {"origin": "boto3"}
    assert md5(body(s3(dst_server), dst, "big/one-put.bin")) == md5(data)
    again = summary(run_ferry(*args, "--json"))
    assert (again["copied"], again["failed"]) == (0, 0), again


def test_a_single_put_is_streamed_into_a_folder_not_held_in_memory(s3, bucket, side_args,
                                                                   ferry_bin, run_ferry,
                                                                   tmp_path):
    """Into a folder too: the GET's bytes go to a temporary file as they arrive, hashed
    on the way, and the file is renamed into place once their MD5 is the source's
    ETag. Ferry's peak stays under half the object; the second run copies nothing."""
    src = bucket("seaweed_a")
    data = pattern(96 * MIB, seed=6)
    s3("seaweed_a").put_object(Bucket=src, Key="big/one-put.bin", Body=data)
    folder = tmp_path / "download"
    args = ["sync", f"s3://{src}", str(folder), *side_args("src", "seaweed_a"),
            "--memory", "16M", "--no-progress"]
    code, peak = peak_rss_mib(ferry_bin, tmp_path, *args)
    assert code == 0
    assert peak < 48, f"peak RSS {peak:.0f} MiB for a 96 MiB object: not streamed"
    assert md5((folder / "big" / "one-put.bin").read_bytes()) == md5(data)
    assert sorted(p.name for p in (folder / "big").iterdir()) == ["one-put.bin"]  # no temp left
    again = summary(run_ferry(*args, "--json"))
    assert (again["copied"], again["failed"], again["matched"]) == (0, 0, 1), again


def test_a_file_is_hashed_then_streamed_to_s3_not_held_in_memory(s3, bucket, side_args,
                                                                 ferry_bin, run_ferry, tmp_path):
    """From a folder: a first pass hashes the file, and its MD5 goes ahead of the bytes
    as their Content-MD5, so the destination checks what it receives while ferry holds
    none of it. The copy's ETag is the file's MD5; the second run copies nothing."""
    dst = bucket("seaweed_a")
    data = pattern(96 * MIB, seed=7)
    folder = tmp_path / "upload"
    (folder / "big").mkdir(parents=True)
    (folder / "big" / "file.bin").write_bytes(data)
    args = ["sync", str(folder), f"s3://{dst}", *side_args("dst", "seaweed_a"),
            "--memory", "16M", "--no-progress"]
    code, peak = peak_rss_mib(ferry_bin, tmp_path, *args)
    assert code == 0
    assert peak < 48, f"peak RSS {peak:.0f} MiB for a 96 MiB file: not streamed"
    head = s3("seaweed_a").head_object(Bucket=dst, Key="big/file.bin")
    assert head["ETag"].strip('"') == md5(data)
    assert md5(body(s3("seaweed_a"), dst, "big/file.bin")) == md5(data)
    again = summary(run_ferry(*args, "--json"))
    assert (again["copied"], again["failed"], again["matched"]) == (0, 0, 1), again


def test_server_side_copy_within_one_service(s3, bucket, side_args, run_ferry, tmp_path):
    src, dst = bucket("seaweed_a"), bucket("seaweed_a")
    c = s3("seaweed_a")
    for i in range(5):
        c.put_object(Bucket=src, Key=f"x/{i}", Body=pattern(1000 + i), ContentType="a/b")
    report = tmp_path / "r.jsonl"
    args = side_args("src", "seaweed_a") + side_args("dst", "seaweed_a")
    # The same endpoint and the same secret on both sides: one service, one client.
    args[args.index("--dst-secret") + 1] = args[args.index("--src-secret") + 1]
    r = run_ferry("copy", f"s3://{src}/x", f"s3://{dst}/y/", *args, "--report", str(report),
                  "--json")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert {line["method"] for line in lines} == {"server-side copy"}
    assert sorted(objects(c, dst)) == [f"y/{i}" for i in range(5)]  # x/k lands at y/k
    for i in range(5):
        assert body(c, dst, f"y/{i}") == pattern(1000 + i)
        assert c.head_object(Bucket=dst, Key=f"y/{i}")["ContentType"] == "a/b"


def test_local_folder_to_s3_and_back_keeps_bytes_and_mtime(s3, bucket, side_args, run_ferry,
                                                           tmp_path):
    src_dir, back_dir = tmp_path / "nas", tmp_path / "back"
    files = {"a.txt": b"alpha", "sub/b.bin": pattern(3 * MIB + 5), "sub/deeper/c": b"",
             "sp ace/d e": b"d"}
    for rel, data in files.items():
        path = src_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (1_600_000_000, 1_600_000_000 + len(rel)))
    back_dir.mkdir()
    b = bucket("seaweed_b")
    c = s3("seaweed_b")
    r = run_ferry("sync", str(src_dir), f"s3://{b}/nas", *side_args("dst", "seaweed_b"),
                  "--multipart-threshold", "1M", "--part-size", "5M", "--json")
    assert r.returncode == 0, r.stderr
    assert summary(r)["copied"] == len(files)
    for rel, data in files.items():
        assert body(c, b, f"nas/{rel}") == data
        mtime = float(c.head_object(Bucket=b, Key=f"nas/{rel}")["Metadata"]["mtime"])
        assert mtime == 1_600_000_000 + len(rel)

    r = run_ferry("sync", f"s3://{b}/nas", str(back_dir), *side_args("src", "seaweed_b"), "--json")
    assert r.returncode == 0, r.stderr
    for rel, data in files.items():
        path = back_dir / rel
        assert path.read_bytes() == data
        assert int(path.stat().st_mtime) == 1_600_000_000 + len(rel)
    assert not [p for p in back_dir.rglob(".ferry-tmp-*")]

    # Unchanged folder: nothing to do either way.
    r = run_ferry("sync", str(src_dir), f"s3://{b}/nas", *side_args("dst", "seaweed_b"), "--json")
    assert summary(r)["copied"] == 0, r.stdout


def test_s3_to_a_new_local_folder_skips_folder_markers_and_names_unstorable_keys(
        s3, bucket, side_args, run_ferry, tmp_path):
    b, c = bucket("moto"), s3("moto")
    storable = {"photos/a.jpg": b"a", "photos/2024/b.jpg": b"bb", "top": b"t"}
    for key, data in storable.items():
        c.put_object(Bucket=b, Key=key, Body=data)
    c.put_object(Bucket=b, Key="photos/", Body=b"")  # a console's folder marker
    c.put_object(Bucket=b, Key="n" * 256, Body=b"x")  # longer than a file name can be
    out = tmp_path / "not" / "yet" / "there"
    args = ("sync", f"s3://{b}", str(out), *side_args("src", "moto"), "--json")

    r = run_ferry(*args)
    assert r.returncode == 3, r.stderr
    s = summary(r)
    assert s["copied"] == len(storable) and s["failed"] == 1
    assert "File name too long" in r.stderr and "255 bytes" in r.stderr
    on_disk = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert on_disk == storable

    c.delete_object(Bucket=b, Key="n" * 256)
    r = run_ferry(*args)
    assert r.returncode == 0, r.stderr
    assert summary(r)["copied"] == 0 and summary(r)["matched"] == len(storable)


def test_change_delete_add_round(s3, bucket, side_args, run_ferry):
    src, dst = bucket("moto"), bucket("seaweed_b")
    sc, dc = s3("moto"), s3("seaweed_b")
    for k in ["keep", "change", "remove"]:
        sc.put_object(Bucket=src, Key=k, Body=k.encode())
    args = [f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"), *side_args("dst", "seaweed_b"),
            "--json"]
    assert run_ferry("sync", *args).returncode == 0
    dc.put_object(Bucket=dst, Key="only-in-dst", Body=b"extra")
    sc.put_object(Bucket=src, Key="change", Body=b"changed!")
    sc.delete_object(Bucket=src, Key="remove")
    sc.put_object(Bucket=src, Key="add", Body=b"new")

    check = run_ferry("check", *args)
    assert check.returncode == 1, check.stderr
    assert summary(check)["differences"] == 4  # change, add, remove, only-in-dst

    r = run_ferry("sync", *args)  # without --delete: extra objects stay
    assert r.returncode == 0, r.stderr
    assert summary(r)["copied"] == 2
    assert sorted(objects(dc, dst)) == ["add", "change", "keep", "only-in-dst", "remove"]
    assert body(dc, dst, "change") == b"changed!"

    r = run_ferry("sync", *args, "--delete")
    assert r.returncode == 0, r.stderr
    assert summary(r)["deleted"] == 2
    assert sorted(objects(dc, dst)) == ["add", "change", "keep"]
    assert run_ferry("check", *args).returncode == 0


def test_delete_refuses_empty_source_and_max_delete(s3, bucket, side_args, run_ferry):
    src, dst = bucket("moto"), bucket("moto")
    dc = s3("moto")
    for i in range(10):
        dc.put_object(Bucket=dst, Key=f"k{i}", Body=b"x")
    args = [f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"), *side_args("dst", "moto"),
            "--delete"]
    r = run_ferry("sync", *args)
    assert r.returncode == 4
    assert "refusing to delete 10 objects" in r.stderr and "--allow-empty-source" in r.stderr
    assert len(objects(dc, dst)) == 10
    s3("moto").put_object(Bucket=src, Key="k0", Body=b"x")
    r = run_ferry("sync", *args, "--max-delete", "50%")
    assert r.returncode == 4 and "--max-delete" in r.stderr
    assert len(objects(dc, dst)) == 10
    r = run_ferry("sync", *args, "--max-delete", "9")
    assert r.returncode == 0, r.stderr
    assert sorted(objects(dc, dst)) == ["k0"]


def test_filters_dry_run_and_prefix_list(s3, bucket, side_args, run_ferry, tmp_path):
    src, dst = bucket("moto"), bucket("moto")
    sc = s3("moto")
    for k in ["a/1.jpg", "a/2.txt", "b/3.jpg", "c/4.jpg", "top.jpg"]:
        sc.put_object(Bucket=src, Key=k, Body=b"x")
    args = [f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"), *side_args("dst", "moto"),
            "--json"]
    r = run_ferry("copy", *args, "--dry-run")
    assert r.returncode == 0 and summary(r)["differences"] == 5
    assert objects(s3("moto"), dst) == {}
    prefixes = tmp_path / "prefixes"
    prefixes.write_text("a/\nb/\n")
    r = run_ferry("copy", *args, "--exclude", "a/2.txt", "--include", "*.jpg",
                  "--prefix-list", str(prefixes))
    assert r.returncode == 0, r.stderr
    assert sorted(objects(s3("moto"), dst)) == ["a/1.jpg", "b/3.jpg"]


def test_object_failing_every_attempt_is_reported_with_exit_3(s3, bucket, side_args, run_ferry,
                                                              tmp_path):
    # Keys SeaweedFS cannot store (a path segment over 255 bytes) fail on it every time.
    src, dst = bucket("moto"), bucket("seaweed_a")
    sc = s3("moto")
    sc.put_object(Bucket=src, Key="fine", Body=b"ok")
    bad = "x" * 300
    sc.put_object(Bucket=src, Key=bad, Body=b"no")
    report = tmp_path / "r.jsonl"
    r = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"),
                  *side_args("dst", "seaweed_a"), "--max-attempts", "2", "--json",
                  "--report", str(report))
    assert r.returncode == 3, r.stderr
    s = summary(r)
    assert s["copied"] == 1 and s["failed"] == 1
    assert s["failures"][0]["key"] == bad and s["failures"][0]["error"]
    assert bad in r.stderr
    failed = [json.loads(line) for line in report.read_text().splitlines()
              if json.loads(line)["action"] == "failed"]
    assert failed[0]["key"] == bad and failed[0]["error"]
    assert body(s3("seaweed_a"), dst, "fine") == b"ok"


def test_kill_9_mid_multipart_then_resume(s3, bucket, side_args, ferry_bin, run_ferry, tmp_path,
                                          fault_proxy):
    src, dst = bucket("seaweed_a"), bucket("moto")
    data = pattern(200 * MIB, seed=3)
    sc, dc = s3("seaweed_a"), s3("moto")
    # Uploaded in 8 MiB parts, as the AWS CLI does: a multipart ETag ferry should reproduce.
    sc.upload_fileobj(io.BytesIO(data), src, "big.bin",
                      Config=TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB))
    # Both runs go through one proxy (the same command, the same endpoint): it shows
    # the rerun's requests, and ListParts just before the completion.
    proxy = fault_proxy("moto")
    state = tmp_path / "state"
    args = [ferry_bin, "sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
            *through(side_args("dst", "moto"), proxy), "--multipart-threshold", "8M",
            "--part-size", "5M", "--transfers", "2", "--state", str(state), "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    before = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        # Killed once ferry has recorded three parts as finished: a part the server
        # holds may not be recorded yet (it is then sent again, rightly). Read before
        # the snapshot, so that every part recorded is in it.
        finished = len(recorded_parts(state))
        before = part_snapshot(dc, dst)
        if finished >= 3 and any(len(u["parts"]) >= 4 for u in before.values()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the transfer ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(len(u["parts"]) >= 4 for u in before.values()), before
    recorded = recorded_parts(state)  # the parts ferry had finished

    watch = CompletionWatch(dc, dst)
    proxy.set_rules([watch.rule()])
    first_rerun_request = len(proxy.records())
    r = run_ferry(*args[1:], timeout=300)
    assert r.returncode == 0, r.stderr
    # The parts ferry had finished before the kill were not sent again: ListParts shows
    # them unchanged at completion and the proxy saw no UploadPart for them.
    kept = assert_finished_parts_kept(before, recorded, watch,
                                      proxy.records()[first_rerun_request:])
    assert kept >= 3, (kept, before, recorded)
    assert body(dc, dst, "big.bin") == data
    assert dc.list_multipart_uploads(Bucket=dst).get("Uploads", []) == []
    assert objects(sc, src)["big.bin"][1].endswith("-25")
    assert objects(dc, dst)["big.bin"][1] == objects(sc, src)["big.bin"][1]


def test_missing_destination_bucket_is_fatal(s3, bucket, side_args, run_ferry):
    src = bucket("moto")
    s3("moto").put_object(Bucket=src, Key="k", Body=b"x")
    r = run_ferry("sync", f"s3://{src}", "s3://no-such-dst-bucket", *side_args("src", "moto"),
                  *side_args("dst", "seaweed_b"))
    assert r.returncode == 4
    assert "destination: bucket 'no-such-dst-bucket' does not exist" in r.stderr


def test_tags_copied_only_with_flag(s3, bucket, side_args, run_ferry):
    src, dst, dst2 = bucket("moto"), bucket("seaweed_b"), bucket("seaweed_b")
    s3("moto").put_object(Bucket=src, Key="tagged", Body=b"x", Tagging="team=data&tier=gold")
    base = [*side_args("src", "moto"), *side_args("dst", "seaweed_b")]
    assert run_ferry("copy", f"s3://{src}", f"s3://{dst}", *base, "--tags").returncode == 0
    tags = s3("seaweed_b").get_object_tagging(Bucket=dst, Key="tagged")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "data", "tier": "gold"}
    assert run_ferry("copy", f"s3://{src}", f"s3://{dst2}", *base).returncode == 0
    assert s3("seaweed_b").get_object_tagging(Bucket=dst2, Key="tagged")["TagSet"] == []


def test_folder_first_listing_order_does_not_confuse_the_compare(s3, bucket, side_args, run_ferry):
    # SeaweedFS lists "a/1" before "a.txt"; moto lists in byte order. A merge-join
    # that trusted the service's order would copy or delete the wrong objects.
    src, dst = bucket("seaweed_a"), bucket("moto")
    keys = ["a.txt", "a/1", "a/b/2", "a0", "a-b/c", "b"]
    for k in keys:
        s3("seaweed_a").put_object(Bucket=src, Key=k, Body=k.encode())
    s3("moto").put_object(Bucket=dst, Key="a/zz-extra", Body=b"x")
    args = [f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
            *side_args("dst", "moto"), "--json", "--delete"]
    r = run_ferry("sync", *args)
    assert r.returncode == 0, r.stderr
    s = summary(r)
    assert (s["copied"], s["deleted"]) == (len(keys), 1)
    assert sorted(objects(s3("moto"), dst)) == sorted(keys)
    again = summary(run_ferry("sync", *args))
    assert (again["copied"], again["deleted"], again["matched"]) == (0, 0, len(keys))


def test_bwlimit_holds_the_rate(s3, bucket, side_args, run_ferry):
    src, dst = bucket("moto"), bucket("moto")
    for i in range(6):
        s3("moto").put_object(Bucket=src, Key=f"k{i}", Body=pattern(1024 * 1024, seed=i))
    start = time.monotonic()
    r = run_ferry("copy", f"s3://{src}", f"s3://{dst}", *side_args("src", "moto"),
                  *side_args("dst", "moto"), "--bwlimit", "2M", "--json")
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    assert summary(r)["bytes"] == 6 * MIB
    # 6 MiB at 2 MiB/s with a one-second burst: at least 2 s.
    assert elapsed >= 1.9, elapsed


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(s3, bucket, side_args, ferry_bin, run_ferry,
                                                    tmp_path, fault_proxy):
    src, dst = bucket("seaweed_a"), bucket("moto")
    data = pattern(120 * MIB, seed=9)
    s3("seaweed_a").upload_fileobj(io.BytesIO(data), src, "big.bin",
                                   Config=TransferConfig(multipart_chunksize=8 * MIB))
    proxy = fault_proxy("moto")
    state = tmp_path / "st"
    args = [ferry_bin, "sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
            *through(side_args("dst", "moto"), proxy), "--multipart-threshold", "8M",
            "--transfers", "8", "--state", str(state), "--json", "--bwlimit", "20M"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    dc = s3("moto")
    deadline = time.monotonic() + 60
    # Stopped once ferry has finished a part (verified and checkpointed), not when the
    # server first lists one: a part can be stored before ferry has read the answer.
    while time.monotonic() < deadline and proc.poll() is None and not recorded_parts(state):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping" in err and "rerun the same command" in err
    # The upload is kept for the rerun, which finishes it without starting over.
    assert len(dc.list_multipart_uploads(Bucket=dst).get("Uploads", [])) == 1
    before = part_snapshot(dc, dst)
    recorded = recorded_parts(state)
    watch = CompletionWatch(dc, dst)
    proxy.set_rules([watch.rule()])
    first_rerun_request = len(proxy.records())
    r = run_ferry(*args[1:-2], timeout=300)
    assert r.returncode == 0, r.stderr
    kept = assert_finished_parts_kept(before, recorded, watch,
                                      proxy.records()[first_rerun_request:])
    assert kept >= 1, (kept, before, recorded)
    assert body(dc, dst, "big.bin") == data
    assert dc.list_multipart_uploads(Bucket=dst).get("Uploads", []) == []
