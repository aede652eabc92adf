#!/usr/bin/env python3
"""Peak RSS and wall time of `ferry sync` at several --memory budgets.

Writes the source with boto3 put_object (single part: ferry chooses the layout), then
syncs it to a new bucket once per budget, measured with /usr/bin/time.

  python3 tests/testbed/testbed.py start --dir /tmp/tb
  python3 bench/memory_bench.py --testbed /tmp/tb/endpoints.json --workload mixed 1G 256M 128M

Workloads: mixed (bench.py's (3): 2,000 x 16 KiB, 100 x 1 MiB, 10 x 16 MiB, 2 x 128 MiB)
and large (2 x 256 MiB).
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config

WORKLOADS = {
    "mixed": [(2000, 16 << 10), (100, 1 << 20), (10, 16 << 20), (2, 128 << 20)],
    "large": [(2, 256 << 20)],
}


def client(side):
    return boto3.client("s3", endpoint_url=side["endpoint"], region_name=side["region"],
                        aws_access_key_id=side["access_key"],
                        aws_secret_access_key=side["secret_key"],
                        config=Config(max_pool_connections=32))


def fill(s3, bucket, layout):
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    want = [(f"s{size}/o-{i:06d}", size) for count, size in layout for i in range(count)]
    have = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])}
    missing = [(k, n) for k, n in want if k not in have]
    with cf.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kn: s3.put_object(Bucket=bucket, Key=kn[0], Body=os.urandom(kn[1])),
                      missing))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testbed", required=True, help="the test bed's endpoints.json")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="mixed")
    parser.add_argument("--ferry", default=os.environ.get("FERRY_BIN", "build/ferry"))
    parser.add_argument("budgets", nargs="+", help="--memory values, e.g. 1G 256M")
    args = parser.parse_args()
    bed = json.load(open(args.testbed))
    a, b = bed["seaweed_a"], bed["seaweed_b"]
    src = f"membench-{args.workload}"
    fill(client(a), src, WORKLOADS[args.workload])
    work = tempfile.mkdtemp(prefix="membench-")
    secrets = {}
    for name, side in (("a", a), ("b", b)):
        secrets[name] = os.path.join(work, f"{name}.json")
        with open(secrets[name], "w") as f:
            json.dump({"access_key_id": side["access_key"],
                       "secret_access_key": side["secret_key"]}, f)
    print("| workload | --memory | wall s | peak RSS MiB |\n|---|---|---|---|")
    for budget in args.budgets:
        dst = f"membench-{args.workload}-{budget.lower()}-{int(time.time() * 1000)}"
        client(b).create_bucket(Bucket=dst)
        timing = os.path.join(work, "time")
        subprocess.run(["/usr/bin/time", "-o", timing, "-f", "%e %M", args.ferry, "sync",
                        f"s3://{src}", f"s3://{dst}",
                        "--src-endpoint", a["endpoint"], "--src-secret", secrets["a"],
                        "--src-path-style", "--dst-endpoint", b["endpoint"],
                        "--dst-secret", secrets["b"], "--dst-path-style", "--memory", budget,
                        "--no-progress", "--state", os.path.join(work, dst)],
                       check=True, capture_output=True)
        wall, rss_kib = open(timing).read().split()[-2:]
        print(f"| {args.workload} | {budget} | {float(wall):.2f} | {int(rss_kib) // 1024} |")
        remove_bucket(client(b), dst)


def remove_bucket(s3, bucket):
    """Empties and removes a copy: SeaweedFS gives each bucket volumes of its own, and
    the test bed runs out of them after a few copies of the mixed bucket."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    main()
