#!/usr/bin/env python3
"""Event-to-replica latency of `ferry watch` (issue 15).

moto's S3 (the source) sends event notifications to moto's SQS; `ferry watch`
replicates into a SeaweedFS bucket. N small objects are put at R per second;
an object's latency is the time from the end of its PUT at the source to the
first listing of the destination (boto3, polled every 10 ms plus a listing's
time) that shows its copy; the copies' sizes are then checked with boto3.
Prints p50/p90/p99/max and the requests per replicated object (S3 on both
sides and SQS, from the watch's own counts).

  python3 bench/watch_bench.py                      # 1,000 objects at 50/s (the issue's)
  python3 bench/watch_bench.py --objects 200 --rate 20 --testbed /tmp/tb/endpoints.json
"""
import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import boto3
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
import testbed as testbed_module  # noqa: E402

FERRY = os.path.join(REPO, "build", "ferry")


def client(service, server):
    return boto3.client(service, endpoint_url=server["endpoint"], region_name=server["region"],
                        aws_access_key_id=server["access_key"],
                        aws_secret_access_key=server["secret_key"],
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 3}, max_pool_connections=32))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@contextlib.contextmanager
def servers(path):
    if path:
        with open(path) as f:
            yield json.load(f)
        return
    with tempfile.TemporaryDirectory(prefix="ferry-watch-bench-") as root:
        with testbed_module.running_testbed(root) as endpoints:
            yield endpoints


def run(args, endpoints, work):
    moto, sw = endpoints["moto"], endpoints["seaweed_b"]
    s3, sqs, dst = client("s3", moto), client("sqs", moto), client("s3", sw)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    dst.create_bucket(Bucket=name)
    secrets = {}
    for side, server in [("src", moto), ("dst", sw)]:
        secrets[side] = os.path.join(work, f"{side}.json")
        with open(secrets[side], "w") as f:
            json.dump({"access_key_id": server["access_key"],
                       "secret_access_key": server["secret_key"]}, f)
    queue = f"{moto['endpoint']}/123456789012/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true", XDG_STATE_HOME=os.path.join(work, "state"))
    watch = subprocess.Popen(
        [FERRY, "watch", f"s3://{name}", f"s3://{name}", "--events", queue, "--create-queue",
         "--setup-notifications", "--resync", "off", "--json", "-v",
         "--src-endpoint", moto["endpoint"], "--src-secret", secrets["src"],
         "--dst-endpoint", sw["endpoint"], "--dst-secret", secrets["dst"]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ready = threading.Event()
    log = []

    def read_stderr():
        for line in watch.stderr:
            log.append(line)
            if "watching " in line:
                ready.set()
        ready.set()
    threading.Thread(target=read_stderr, daemon=True).start()
    if not ready.wait(60) or watch.poll() is not None:
        raise SystemExit("the watch did not start:\n" + "".join(log))

    # The copies as boto3 sees them: key -> the first listing that showed it. Keys
    # are put in order, so each listing starts after the longest prefix of keys
    # already seen, and stays small.
    seen_at = {}
    stop_poll = threading.Event()

    def poll_destination():
        start_after = ""
        while not stop_poll.is_set():
            page = dst.list_objects_v2(Bucket=name, Prefix="obj/", StartAfter=start_after,
                                       MaxKeys=1000)
            now = time.monotonic()
            for o in page.get("Contents", []):
                seen_at.setdefault(o["Key"], now)
            while True:
                following = f"obj/{int(start_after[4:]) + 1:06d}" if start_after else "obj/000000"
                if following not in seen_at:
                    break
                start_after = following
            time.sleep(0.01)  # the poller's interval: 10 ms plus a listing's time
    poller = threading.Thread(target=poll_destination, daemon=True)
    poller.start()

    put_at = {}
    body = os.urandom(args.size)
    start = time.monotonic()
    for i in range(args.objects):
        due = start + i / args.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the load's pacing: one PUT every 1/rate s
        key = f"obj/{i:06d}"
        s3.put_object(Bucket=name, Key=key, Body=body)
        put_at[key] = time.monotonic()
    put_seconds = time.monotonic() - start
    deadline = time.monotonic() + 120
    while len(seen_at) < args.objects and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_poll.set()
    poller.join()
    watch.send_signal(signal.SIGTERM)
    out, _ = watch.communicate(timeout=60)
    summary = json.loads(out.strip().splitlines()[-1])

    # Every copy checked with boto3, independently of the watch.
    listed = {}
    for page in dst.get_paginator("list_objects_v2").paginate(Bucket=name):
        for o in page.get("Contents", []):
            listed[o["Key"]] = o["Size"]
    missing = [k for k in put_at if listed.get(k) != args.size]
    latencies = [seen_at[k] - put_at[k] for k in put_at if k in seen_at]
    requests = sum(sum(v.values()) for v in summary["requests"].values())
    by_side = {side: sum(v.values()) for side, v in summary["requests"].items()}
    sqs.delete_queue(QueueUrl=queue)
    sqs.delete_queue(QueueUrl=queue + "-dlq")
    return {
        "objects": args.objects, "rate": args.rate, "size": args.size,
        "put_seconds": round(put_seconds, 1), "replicated": len(latencies),
        "missing_after_check": len(missing),
        "p50": percentile(latencies, 50), "p90": percentile(latencies, 90),
        "p99": percentile(latencies, 99), "max": max(latencies),
        "mean": statistics.mean(latencies),
        "requests_per_object": requests / max(1, summary["copied"]),
        "requests_by_side_per_object": {k: v / max(1, summary["copied"])
                                        for k, v in by_side.items()},
        "requests": summary["requests"], "copied": summary["copied"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50, help="PUTs per second")
    parser.add_argument("--size", type=int, default=1024, help="bytes per object")
    parser.add_argument("--testbed", help="an endpoints.json of a running test bed")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with servers(args.testbed) as endpoints, tempfile.TemporaryDirectory() as work:
        r = run(args, endpoints, work)
    print(f"ferry watch: {r['objects']} objects of {r['size']} B put at {r['rate']:g}/s "
          f"({r['put_seconds']} s), {r['replicated']} replicated, "
          f"{r['missing_after_check']} missing in the boto3 check")
    print()
    print("| event-to-replica latency | seconds |")
    print("|---|---|")
    for label in ["p50", "p90", "p99", "max", "mean"]:
        print(f"| {label} | {r[label]:.3f} |")
    print()
    sides = ", ".join(f"{k} {v:.2f}" for k, v in r["requests_by_side_per_object"].items())
    print(f"requests per replicated object: {r['requests_per_object']:.2f} ({sides})")
    print("requests:", json.dumps(r["requests"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
