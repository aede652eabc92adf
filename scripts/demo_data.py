#!/usr/bin/env python3
"""Harness of scripts/demo.sh: sample data in, flags out, verification with boto3."""
import hashlib
import io
import json
import os
import sys

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config


def client(servers, name):
    s = servers[name]
    return boto3.client("s3", endpoint_url=s["endpoint"], region_name=s["region"],
                        aws_access_key_id=s["access_key"], aws_secret_access_key=s["secret_key"],
                        config=Config(s3={"addressing_style": "path"}))


def main(work, action, *args):
    servers = json.load(open(os.path.join(work, "servers", "endpoints.json")))
    if action == "seed":
        src = client(servers, "seaweed_a")
        src.create_bucket(Bucket="demo-source")
        client(servers, "seaweed_b").create_bucket(Bucket="demo-destination")
        for i in range(500):
            src.put_object(Bucket="demo-source", Key=f"logs/2026/11/{i % 24:02d}/event {i}.json",
                           Body=json.dumps({"n": i}).encode() * 20, ContentType="application/json")
        src.put_object(Bucket="demo-source", Key="README at the top.txt", Body=b"not lost")
        big = os.urandom(96 * 1024 * 1024)
        src.upload_fileobj(io.BytesIO(big), "demo-source", "images/disk.img",
                           Config=TransferConfig(multipart_chunksize=16 * 1024 * 1024))
        print("seeded s3://demo-source: 500 small objects, 1 top-level object, 1 object of 96 MiB")
    elif action == "flags":
        name, side = args
        s = servers[name]
        secret = os.path.join(work, f"{name}.secret.json")
        with open(secret, "w") as f:
            json.dump({"access_key_id": s["access_key"], "secret_access_key": s["secret_key"]}, f)
        print(f"--{side}-endpoint {s['endpoint']} --{side}-secret {secret}")
    elif action == "verify":
        src, dst = client(servers, "seaweed_a"), client(servers, "seaweed_b")
        def listing(c, b):
            out = {}
            for page in c.get_paginator("list_objects_v2").paginate(Bucket=b):
                for o in page.get("Contents", []):
                    out[o["Key"]] = o["ETag"]
            return out
        a, b = listing(src, "demo-source"), listing(dst, "demo-destination")
        assert a == b, "listings differ"
        digest = lambda c, bk, k: hashlib.md5(c.get_object(Bucket=bk, Key=k)["Body"].read()).hexdigest()
        for key in ["images/disk.img", "README at the top.txt", "logs/2026/11/07/event 7.json"]:
            assert digest(src, "demo-source", key) == digest(dst, "demo-destination", key), key
        print(f"boto3: {len(b)} objects, same keys and ETags on both servers; sampled bodies equal")


if __name__ == "__main__":
    main(*sys.argv[1:])
