"""What a new user meets at the command line: flags that contradict each other,
typos, one endpoint for both sides, named endpoints in `ls`, reports that still
come when deletes are refused, and errors that say what to do."""
import json

import pytest


@pytest.mark.parametrize("flags,says", [
    (["--secret", "a.json", "--profile", "p"], "--secret and --profile"),
    (["--src-secret", "a.json", "--src-profile", "p"], "--src-secret and --src-profile"),
    (["--dst-no-sign-request", "--dst-profile", "p"], "--dst-no-sign-request"),
    (["--no-sign-request", "--secret", "a.json"], "--no-sign-request"),
    (["--max-delete", "10"], "--max-delete limits --delete"),
    (["--sse-kms-key-id", "alias/k"], "--sse-kms-key-id needs --sse aws:kms"),
    (["--progress", "--no-progress"], "--progress and --no-progress"),
])
def test_contradicting_or_inert_flags_are_refused_with_one_line(run_ferry, tmp_path, flags, says):
    done = run_ferry("sync", str(tmp_path), "s3://b", *flags)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr


def test_an_unknown_flag_suggests_the_nearest_one(run_ferry, tmp_path):
    done = run_ferry("sync", str(tmp_path), "s3://b", "--dest-endpoint", "http://x")
    assert done.returncode == 2
    assert "unknown flag --dest-endpoint (did you mean --dst-endpoint?)" in done.stderr
    done = run_ferry("copy", str(tmp_path), "s3://b", "--dry-runn")
    assert "did you mean --dry-run?" in done.stderr


def test_help_names_every_readme_flag_with_its_argument(run_ferry):
    help_text = run_ferry("sync", "--help").stdout
    for flag in ["--include GLOB", "--exclude GLOB", "--prefix-list FILE", "--max-delete N|P%",
                 "--modified-after TIME", "--multipart-threshold SIZE", "--part-size SIZE",
                 "--bwlimit RATE", "--transfers N", "--report FILE", "--compare MODE",
                 "--endpoint URL", "--src-secret FILE|ARN", "--dst-profile NAME", "--config FILE"]:
        assert flag in help_text, flag
    assert "FERRY_ADMIN_PASSWORD" in run_ferry("server", "--help").stdout


def test_one_endpoint_and_secret_for_both_sides_and_s3_in_capitals(s3, bucket, side_args,
                                                                  run_ferry):
    src, dst = bucket("seaweed_a"), bucket("seaweed_a")
    s3("seaweed_a").put_object(Bucket=src, Key="a.txt", Body=b"one endpoint")
    done = run_ferry("sync", f"S3://{src}", f"s3://{dst}", *side_args("", "seaweed_a"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["copied"] == 1
    assert s3("seaweed_a").get_object(Bucket=dst, Key="a.txt")["Body"].read() == b"one endpoint"


def test_ls_takes_a_named_endpoint_and_a_config_file(testbed, s3, bucket, run_ferry, tmp_path):
    b = bucket("seaweed_b")
    s3("seaweed_b").put_object(Bucket=b, Key="dir/x.bin", Body=b"12345")
    server = testbed["seaweed_b"]
    secret = tmp_path / "keys.json"
    secret.write_text(json.dumps({"access_key_id": server["access_key"],
                                  "secret_access_key": server["secret_key"]}))
    config = tmp_path / "ferry.toml"
    config.write_text(f'[endpoints.tb]\nendpoint = "{server["endpoint"]}"\n'
                      f'addressing = "path"\nsecret = "{secret}"\n')
    done = run_ferry("ls", f"tb:{b}/dir", "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["key"] for line in done.stdout.splitlines()] == ["dir/x.bin"]


def test_a_refused_delete_still_reports_the_copies_and_each_refused_key(s3, bucket, side_args,
                                                                       run_ferry, tmp_path):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    s3("seaweed_a").put_object(Bucket=src, Key="new.txt", Body=b"new")
    for i in range(3):
        s3("seaweed_b").put_object(Bucket=dst, Key=f"old{i}.txt", Body=b"x" * (10 + i))
    report = tmp_path / "report.jsonl"
    done = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
                     *side_args("dst", "seaweed_b"), "--delete", "--max-delete", "2", "--json",
                     "--report", str(report))
    assert done.returncode == 4, done.stderr
    summary = json.loads(done.stdout)
    assert summary["copied"] == 1 and summary["deletes_refused"] == 3, summary
    assert "--max-delete" in done.stderr
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    refused = {line["key"]: line["size"] for line in lines if line["action"] == "delete-refused"}
    assert refused == {"old0.txt": 10, "old1.txt": 11, "old2.txt": 12}
    # Nothing was deleted, and the copy was made (boto3).
    keys = {o["Key"] for o in s3("seaweed_b").list_objects_v2(Bucket=dst)["Contents"]}
    assert keys == {"new.txt", "old0.txt", "old1.txt", "old2.txt"}

    # Allowed, the deletes are reported with the sizes the objects had.
    done = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *side_args("src", "seaweed_a"),
                     *side_args("dst", "seaweed_b"), "--delete", "--report", str(report))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    deleted = {line["key"]: line["size"] for line in lines if line["action"] == "deleted"}
    assert deleted == {"old0.txt": 10, "old1.txt": 11, "old2.txt": 12}


def test_check_and_dry_run_name_each_difference(s3, bucket, side_args, run_ferry):
    src, dst = bucket("seaweed_a"), bucket("seaweed_b")
    a, b = s3("seaweed_a"), s3("seaweed_b")
    a.put_object(Bucket=src, Key="same", Body=b"same")
    b.put_object(Bucket=dst, Key="same", Body=b"same")
    a.put_object(Bucket=src, Key="new", Body=b"new")
    a.put_object(Bucket=src, Key="size", Body=b"12345")
    b.put_object(Bucket=dst, Key="size", Body=b"1234567")
    b.put_object(Bucket=dst, Key="extra", Body=b"e")
    sides = [*side_args("src", "seaweed_a"), *side_args("dst", "seaweed_b")]
    check = run_ferry("check", f"s3://{src}", f"s3://{dst}", *sides)
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    assert lines[:-1] == ["extra: only in destination", "new: missing in destination",
                          "size: differs: size 5 \u2260 7"], check.stdout
    assert lines[-1].startswith("listed 3")
    dry = run_ferry("sync", f"s3://{src}", f"s3://{dst}", *sides, "--delete", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert sorted(dry.stdout.splitlines()[:-1]) == [
        "extra: would delete: only in destination", "new: would copy: missing in destination",
        "size: would copy: differs: size 5 \u2260 7"], dry.stdout
    as_json = run_ferry("check", f"s3://{src}", f"s3://{dst}", *sides, "--json")
    assert json.loads(as_json.stdout)["differences"] == 3  # one object, nothing else


def test_no_credentials_says_how_to_give_them_first(bucket, testbed, run_ferry, tmp_path):
    done = run_ferry("ls", "s3://anything", "--endpoint", testbed["seaweed_a"]["endpoint"],
                     env={"HOME": str(tmp_path)})
    assert done.returncode == 4
    message = done.stderr
    assert message.index("--secret") < message.index("instance metadata"), message
    sync = run_ferry("sync", "s3://a", str(tmp_path / "x"), "--src-endpoint",
                     testbed["seaweed_a"]["endpoint"], env={"HOME": str(tmp_path)})
    assert "--src-secret" in sync.stderr and "--src-profile" in sync.stderr, sync.stderr
