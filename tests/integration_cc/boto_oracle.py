#!/usr/bin/env python3
"""An independent S3 client (boto3) that C++ integration tests ask for the truth.

Usage: boto_oracle.py ENDPOINTS_JSON SERVER COMMAND [ARGS...]; prints JSON.
Object bodies are a deterministic pattern of their size, the same one the C++
side generates (tests/integration_cc/testbed.h: PatternBytes).
"""
import hashlib
import json
import sys

import boto3
from botocore.config import Config


def pattern(size):
    return bytes((i * 31 + 7) % 251 for i in range(size))


def client(server):
    return boto3.client(
        "s3",
        endpoint_url=server["endpoint"],
        region_name=server.get("region", "us-east-1"),
        aws_access_key_id=server["access_key"],
        aws_secret_access_key=server["secret_key"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def empty_bucket(s3, bucket):
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
    except Exception:  # servers without versioning support
        pass
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=o["Key"])


def main(argv):
    endpoints = json.load(open(argv[1]))
    s3 = client(endpoints[argv[2]])
    cmd, args = argv[3], argv[4:]
    out = None
    if cmd == "create-bucket":
        s3.create_bucket(Bucket=args[0])
        if "--versioning" in args:
            s3.put_bucket_versioning(Bucket=args[0],
                                     VersioningConfiguration={"Status": "Enabled"})
        out = {"ok": True}
    elif cmd == "delete-bucket":
        empty_bucket(s3, args[0])
        s3.delete_bucket(Bucket=args[0])
        out = {"ok": True}
    elif cmd == "put":
        keys = json.loads(sys.stdin.read()) if args[1] == "-" else [args[1]]
        for key in keys:
            s3.put_object(Bucket=args[0], Key=key, Body=pattern(int(args[2])))
        out = {"ok": True}
    elif cmd == "head":
        h = s3.head_object(Bucket=args[0], Key=args[1])
        body = s3.get_object(Bucket=args[0], Key=args[1])["Body"].read()
        out = {"size": h["ContentLength"], "etag": h["ETag"].strip('"'),
               "content_type": h.get("ContentType", ""), "metadata": h.get("Metadata", {}),
               "md5": hashlib.md5(body).hexdigest(),
               "matches_pattern": body == pattern(len(body))}
    elif cmd == "list":
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args[0]):
            keys += [o["Key"] for o in page.get("Contents", [])]
        out = keys
    elif cmd == "list-uploads":
        out = [{"key": u["Key"], "upload_id": u["UploadId"]}
               for u in s3.list_multipart_uploads(Bucket=args[0]).get("Uploads", [])]
    elif cmd in ("create-secret", "put-secret"):
        sm = boto3.client("secretsmanager", endpoint_url=endpoints[argv[2]]["endpoint"],
                          region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
        if cmd == "create-secret":
            arn = sm.create_secret(Name=args[0], SecretString=args[1])["ARN"]
        else:
            arn = sm.put_secret_value(SecretId=args[0], SecretString=args[1])["ARN"]
        out = {"arn": arn}
    elif cmd == "get-tags":
        tags = s3.get_object_tagging(Bucket=args[0], Key=args[1])["TagSet"]
        out = {t["Key"]: t["Value"] for t in tags}
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
