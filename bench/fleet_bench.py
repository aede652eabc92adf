#!/usr/bin/env python3
"""Fleet mode (issue 14): SQS requests per object copied, and throughput with 1, 2
and 3 workers, on this machine.

The source is one SeaweedFS S3 server, the destination another, the queues moto's
SQS (tests/testbed). For each worker count: a fresh destination bucket and fresh
queues, the workers started, then `ferry sync --fleet` (the planner) timed from
start to exit (listing, sending, waiting for results, the verifying compare).
Requests are every SQS call of the run: the planner's (its summary) and each
worker's (its /metrics), idle long polls included. The original design's figure,
for comparison: one SendMessage per 10 objects, a receive and a delete per
message, two DynamoDB writes per object: 2.3 requests per object (0.3 on SQS).

  python3 bench/fleet_bench.py                         # 5,000 objects of 16 KiB, 1-3 workers
  python3 bench/fleet_bench.py --objects 1000 --testbed /tmp/tb/endpoints.json
"""
import argparse
import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
import testbed as testbed_module  # noqa: E402

FERRY = os.path.join(REPO, "build", "ferry")
ORIGINAL_PER_OBJECT = 0.1 + 0.1 + 0.1 + 2.0  # send/10, receive and delete per message, 2 writes


def client(service, server):
    return boto3.client(service, endpoint_url=server["endpoint"], region_name=server["region"],
                        aws_access_key_id=server["access_key"],
                        aws_secret_access_key=server["secret_key"],
                        config=Config(s3={"addressing_style": "path"},
                                      retries={"max_attempts": 3}, max_pool_connections=32))


@contextlib.contextmanager
def servers(path):
    if path:
        with open(path) as f:
            yield json.load(f)
        return
    with tempfile.TemporaryDirectory(prefix="ferry-fleet-bench-") as root:
        with testbed_module.running_testbed(root) as endpoints:
            yield endpoints


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = int(value)
    return out


def secret_file(work, name, server):
    path = os.path.join(work, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"access_key_id": server["access_key"],
                   "secret_access_key": server["secret_key"]}, f)
    return path


def run_once(endpoints, work, src, workers, args):
    moto, a, b = endpoints["moto"], endpoints["seaweed_a"], endpoints["seaweed_b"]
    sqs, dst_client = client("sqs", moto), client("s3", b)
    dst = f"fb-{uuid.uuid4().hex[:8]}"
    dst_client.create_bucket(Bucket=dst)
    name = f"fb-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    queue = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn, "maxReceiveCount": "5"})})["QueueUrl"]
    results = sqs.create_queue(QueueName=name + "-results")["QueueUrl"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true", XDG_STATE_HOME=os.path.join(work, name))
    queue_secret = secret_file(work, "moto", moto)
    procs = []
    for n in range(workers):
        port = free_port()
        proc = subprocess.Popen(
            [FERRY, "worker", "--queue", queue, "--queue-secret", queue_secret,
             "--metrics-listen", f"127.0.0.1:{port}", "--allow-target", "loopback"],
            env=dict(env, XDG_STATE_HOME=os.path.join(work, name, f"w{n}")),
            stderr=subprocess.DEVNULL)
        procs.append((proc, port))
    for _, port in procs:  # ready: answering /metrics
        deadline = time.monotonic() + 30
        while True:
            try:
                metrics(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # readiness poll
    start = time.monotonic()
    planner = subprocess.run(
        [FERRY, "sync", f"s3://{src}", f"s3://{dst}", "--fleet", queue, "--queue-secret",
         queue_secret, "--json", "--item-objects", str(args.item_objects),
         "--src-endpoint", a["endpoint"], "--src-secret", secret_file(work, "a", a),
         "--dst-endpoint", b["endpoint"], "--dst-secret", secret_file(work, "b", b)],
        env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - start
    if planner.returncode != 0:
        raise SystemExit(f"the planner failed ({planner.returncode}): {planner.stderr[-3000:]}")
    summary = json.loads(planner.stdout.strip().splitlines()[-1])
    worker_requests = {}
    for proc, port in procs:
        for name_, value in metrics(port).items():
            if name_.startswith("ferry_worker_sqs_requests_total"):
                action = name_.split('"')[1]
                worker_requests[action] = worker_requests.get(action, 0) + value
        proc.send_signal(signal.SIGTERM)
    for proc, _ in procs:
        proc.wait(60)
    # The copies, checked independently: every key and size.
    listed = 0
    for page in dst_client.get_paginator("list_objects_v2").paginate(Bucket=dst):
        listed += len(page.get("Contents", []))
    for url in (queue, dlq, results):
        sqs.delete_queue(QueueUrl=url)
    planner_requests = summary["requests"]["queue"]
    total = sum(planner_requests.values()) + sum(worker_requests.values())
    return {"workers": workers, "seconds": seconds, "copied": summary["copied"],
            "bytes": summary["bytes"], "listed_destination": listed, "items": summary["items"],
            "planner_requests": planner_requests, "worker_requests": worker_requests,
            "requests": total, "requests_per_object": total / max(1, summary["copied"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--size", type=int, default=16 * 1024)
    parser.add_argument("--item-objects", type=int, default=500)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--testbed", help="an endpoints.json of a running test bed")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with servers(args.testbed) as endpoints, tempfile.TemporaryDirectory() as work:
        a = client("s3", endpoints["seaweed_a"])
        src = f"fb-src-{uuid.uuid4().hex[:8]}"
        a.create_bucket(Bucket=src)
        body = os.urandom(args.size)
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: a.put_object(Bucket=src, Key=f"obj/{i:07d}", Body=body),
                          range(args.objects)))
        rows = [run_once(endpoints, work, src, int(n), args) for n in args.workers.split(",")]
    print(f"fleet: {args.objects} objects of {args.size} B, items of {args.item_objects}, "
          "SeaweedFS -> SeaweedFS, queues on moto, all on this machine")
    print()
    print("| workers | seconds | objects/s | MB/s | SQS requests | per object |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['seconds']:.1f} | {r['copied'] / r['seconds']:.0f} | "
              f"{r['bytes'] / r['seconds'] / 1e6:.1f} | {r['requests']} | "
              f"{r['requests_per_object']:.4f} |")
    best = min(r["requests_per_object"] for r in rows)
    print()
    print(f"SQS requests per object copied: {best:.4f} (all calls of planner and workers); the "
          f"original design: {ORIGINAL_PER_OBJECT:.1f} (0.3 SQS + 2 DynamoDB writes), "
          f"{ORIGINAL_PER_OBJECT / best:.0f}x as many")
    for r in rows:
        print(f"  {r['workers']} worker(s): planner {json.dumps(r['planner_requests'])}, "
              f"workers {json.dumps(r['worker_requests'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
