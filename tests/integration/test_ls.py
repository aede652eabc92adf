"""`ferry ls` end to end: listed exactly as boto3 lists, errors that say what to check."""
import json

import pytest

from conftest import pattern

SERVERS = ["seaweed_a", "seaweed_b", "moto"]

AWKWARD = [
    "plain.txt", "with space.txt", "plus+sign", "percent%20literal", "question?mark",
    "hash#tag", "amp&and=eq", "tilde~", "quote\"double'single", "日本語/ファイル",
    "emoji-🚀", "dir/sub dir/file (1).bin", "<angle>&amp;",
    "k/" + "a" * 200 + "/" + "b" * 200 + "/" + "c" * 200 + "/" + "d" * 200 + "/" + "e" * 218,
]
# SeaweedFS keeps objects as files: it folds "//" and treats a trailing '/' as a folder.
MOTO_ONLY = ["double//slash", "trailing/"]


def keys_for(server):
    return AWKWARD + (MOTO_ONLY if server == "moto" else [])


@pytest.mark.parametrize("server", SERVERS)
def test_ls_json_matches_boto3(server, s3, bucket, side_args, run_ferry):
    b = bucket(server)
    client = s3(server)
    assert len(AWKWARD[-1]) == 1024
    for i, key in enumerate(keys_for(server)):
        # Not empty: boto3 after an empty PUT stalls 60 s on SeaweedFS (its bug, not ours).
        client.put_object(Bucket=b, Key=key, Body=pattern(i * 10 + 1))
    result = run_ferry("ls", f"s3://{b}", "--json", *side_args("", server))
    assert result.returncode == 0, result.stderr
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    expected = client.list_objects_v2(Bucket=b)["Contents"]
    assert [o["key"] for o in listed] == [o["Key"] for o in expected]
    for mine, theirs in zip(listed, expected):
        assert mine["size"] == theirs["Size"]
        assert mine["etag"] == theirs["ETag"].strip('"')
        assert mine["storage_class"] == theirs.get("StorageClass", "STANDARD")
        assert mine["last_modified"][:19] == theirs["LastModified"].strftime("%Y-%m-%dT%H:%M:%S")


def test_ls_text_prefix_and_pagination(s3, bucket, side_args, run_ferry):
    b = bucket("moto")
    client = s3("moto")
    for i in range(1100):  # more than one page of 1,000
        client.put_object(Bucket=b, Key=f"p/{i:05d}", Body=b"x")
    client.put_object(Bucket=b, Key="other", Body=b"yy")
    result = run_ferry("ls", f"s3://{b}/p/", *side_args("", "moto"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1100
    size, date, time_, key = lines[0].split(maxsplit=3)
    assert (size, key) == ("1", "p/00000")


def test_ls_honours_aws_endpoint_url(testbed, s3, bucket, run_ferry):
    b = bucket("moto")
    s3("moto").put_object(Bucket=b, Key="k", Body=b"1")
    m = testbed["moto"]
    result = run_ferry("ls", f"s3://{b}", env={
        "AWS_ENDPOINT_URL": m["endpoint"], "AWS_ACCESS_KEY_ID": m["access_key"],
        "AWS_SECRET_ACCESS_KEY": m["secret_key"]})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "k"


def test_ls_with_profile(testbed, s3, bucket, run_ferry, tmp_path):
    b = bucket("seaweed_a")
    s3("seaweed_a").put_object(Bucket=b, Key="via-profile", Body=b"1")
    a = testbed["seaweed_a"]
    creds = tmp_path / "credentials"
    creds.write_text(f"[tb]\naws_access_key_id = {a['access_key']}\n"
                     f"aws_secret_access_key = {a['secret_key']}\n")
    result = run_ferry("ls", f"s3://{b}", "--endpoint", a["endpoint"], "--profile", "tb",
                       env={"AWS_SHARED_CREDENTIALS_FILE": str(creds),
                            "AWS_CONFIG_FILE": str(tmp_path / "none")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "via-profile"


# ---- bad input: one paragraph naming what failed and what to check, non-zero exit

def test_malformed_endpoint(run_ferry):
    r = run_ferry("ls", "s3://b", "--endpoint", "htp:/nowhere")
    assert r.returncode == 2
    assert "malformed endpoint URL 'htp:/nowhere'" in r.stderr
    assert "Check:" in r.stderr


def test_dns_failure(run_ferry, tmp_path):
    secret = tmp_path / "s.json"
    secret.write_text('{"access_key_id": "a", "secret_access_key": "b"}')
    r = run_ferry("ls", "s3://b", "--endpoint", "http://no-such-host.invalid:9000",
                  "--secret", str(secret))
    assert r.returncode == 4
    assert "cannot resolve host 'no-such-host.invalid:9000'" in r.stderr
    assert "endpoint" in r.stderr


def test_refused_connection(run_ferry, tmp_path):
    secret = tmp_path / "s.json"
    secret.write_text('{"access_key_id": "a", "secret_access_key": "b"}')
    r = run_ferry("ls", "s3://b", "--endpoint", "http://127.0.0.1:1", "--secret", str(secret))
    assert r.returncode == 4
    assert "cannot connect to '127.0.0.1:1'" in r.stderr
    assert "port" in r.stderr


def test_wrong_keys(testbed, bucket, run_ferry, tmp_path):
    b = bucket("seaweed_a")
    secret = tmp_path / "wrong.json"
    secret.write_text(json.dumps({"access_key_id": testbed["seaweed_a"]["access_key"],
                                  "secret_access_key": "definitely-wrong-secret"}))
    r = run_ferry("ls", f"s3://{b}", "--endpoint", testbed["seaweed_a"]["endpoint"],
                  "--secret", str(secret))
    assert r.returncode == 4
    assert f"s3://{b}" in r.stderr and "refused" in r.stderr
    assert "secret access key" in r.stderr
    assert "definitely-wrong-secret" not in r.stderr


def test_missing_bucket(side_args, run_ferry):
    r = run_ferry("ls", "s3://no-such-bucket-here", *side_args("", "seaweed_b"))
    assert r.returncode == 4
    assert "bucket 'no-such-bucket-here' does not exist" in r.stderr
    assert "Check:" in r.stderr


def test_malformed_secret_json(run_ferry, tmp_path, testbed):
    secret = tmp_path / "bad.json"
    secret.write_text('{"AccessKey": "AKIA-not-the-right-field", "SecretKey": "s3cr3t-value"}')
    r = run_ferry("ls", "s3://b", "--endpoint", testbed["moto"]["endpoint"],
                  "--secret", str(secret))
    assert r.returncode == 2
    assert f"malformed secret file '{secret}'" in r.stderr
    assert '"access_key_id"' in r.stderr
    assert "s3cr3t-value" not in r.stderr


def test_no_credentials(run_ferry, testbed, tmp_path):
    r = run_ferry("ls", "s3://b", "--endpoint", testbed["moto"]["endpoint"],
                  env={"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                       "AWS_CONFIG_FILE": str(tmp_path / "none")})
    assert r.returncode == 4
    assert "no credentials: give them with --secret" in r.stderr
    assert "AWS_ACCESS_KEY_ID" in r.stderr
