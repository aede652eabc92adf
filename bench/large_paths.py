"""Large objects, path by path: ferry (with any extra flags) against rclone tuned
(--transfers 64 --checkers 64), alternating, on a running test bed's two SeaweedFS
servers. Each run copies into a fresh bucket. Prints wall, MiB/s, CPU and peak RSS per
run, then the medians.

The source is written either in one PUT (its ETag the MD5 of the whole object: ferry
copies it in its own parts and hashes every byte twice for the proof) or in 8 MiB parts
by boto3, as the SDKs write large files (ferry reproduces the layout, hashing once):

  python3 tests/testbed/testbed.py start --dir /tmp/tb
  FERRY_TESTBED=/tmp/tb/endpoints.json python3 bench/large_paths.py --size-mib 256 --count 2
  FERRY_TESTBED=... python3 bench/large_paths.py --source-parts-mib 8
  FERRY_TESTBED=... python3 bench/large_paths.py --ferry-args="--multipart-threshold 1G"

--wan-delay-ms puts bench/delay_proxy.py in front of both servers (the WAN profile of
bench.py: that delay each way, one RTT more per new connection, at most --wan-window-mib
in flight per connection), so the tools copy across a long round trip:

  FERRY_TESTBED=... python3 bench/large_paths.py --wan-delay-ms 100 --tools ferry,rclone
"""
import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import boto3
from boto3.s3.transfer import TransferConfig

from bench import rclone_env, start_proxy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def client(s):
    return boto3.client("s3", endpoint_url=s["endpoint"], aws_access_key_id=s["access_key"],
                        aws_secret_access_key=s["secret_key"], region_name="us-east-1")


def fill(src_client, bucket, count, size, part_mib):
    """`count` objects of `size` random bytes (each a rotation of one body)."""
    try:
        src_client.create_bucket(Bucket=bucket)
    except src_client.exceptions.ClientError:
        pass  # already there
    have = {o["Key"] for o in src_client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    body = os.urandom(size)
    for i in range(count):
        if f"large-{i}" in have:
            continue
        data = body[i:] + body[:i]
        if part_mib:
            src_client.upload_fileobj(io.BytesIO(data), bucket, f"large-{i}", Config=TransferConfig(
                multipart_threshold=part_mib * MIB, multipart_chunksize=part_mib * MIB))
        else:
            src_client.put_object(Bucket=bucket, Key=f"large-{i}", Body=data)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mib", type=int, default=256)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--source-parts-mib", type=int, default=0, help="0: one PUT per source object")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--tools", default="ferry,rclone")
    p.add_argument("--ferry-args", default="", help="extra flags for ferry, e.g. '--memory 512M'")
    p.add_argument("--ferry", default=os.path.join(REPO, "build", "ferry"))
    p.add_argument("--wan-delay-ms", type=float, default=0,
                   help="copy through bench/delay_proxy.py with this delay each way (0: direct)")
    p.add_argument("--wan-window-mib", type=float, default=8,
                   help="bytes in flight per connection through the delay proxy")
    args = p.parse_args()

    tb = json.load(open(os.environ["FERRY_TESTBED"]))
    a, b = tb["seaweed_a"], tb["seaweed_b"]
    src_client, dst_client = client(a), client(b)
    size = args.size_mib * MIB
    src = f"large-{args.size_mib}m-{args.count}-p{args.source_parts_mib}"
    fill(src_client, src, args.count, size, args.source_parts_mib)

    work = f"/tmp/ferry-large-paths-{os.getpid()}"
    os.makedirs(work, exist_ok=True)
    proxies = []
    if args.wan_delay_ms:  # the tools see both servers across the delay line; boto3 does not
        for s in (a, b):
            proc, endpoint = start_proxy(s["endpoint"], args.wan_delay_ms, args.wan_window_mib,
                                         os.path.join(work, "delay_proxy.log"))
            proxies.append(proc)
            s["endpoint"] = endpoint
        print(f"through the delay line: {2 * args.wan_delay_ms:g} ms RTT, "
              f"{args.wan_window_mib:g} MiB window per connection", flush=True)
    secrets = {}
    for name, s in (("a", a), ("b", b)):
        secrets[name] = os.path.join(work, f"{name}.json")
        with open(secrets[name], "w") as f:
            json.dump({"access_key_id": s["access_key"], "secret_access_key": s["secret_key"]}, f)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    rclone = rclone_env(env, a, b)

    walls = {t: [] for t in args.tools.split(",")}
    for _ in range(args.rounds):
        for tool in walls:
            dst = "lp-" + uuid.uuid4().hex[:10]
            dst_client.create_bucket(Bucket=dst)
            if tool == "ferry":
                cmd = [args.ferry, "sync", f"s3://{src}", f"s3://{dst}",
                       "--src-endpoint", a["endpoint"], "--src-secret", secrets["a"],
                       "--dst-endpoint", b["endpoint"], "--dst-secret", secrets["b"],
                       "--no-progress", *args.ferry_args.split()]
                run_env = env
            else:
                cmd = ["rclone", "sync", f"src:{src}", f"dst:{dst}", "--transfers", "64",
                       "--checkers", "64"]
                run_env = rclone
            started = time.monotonic()
            proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", *cmd], env=run_env,
                                  capture_output=True, text=True)
            wall = time.monotonic() - started
            if proc.returncode != 0:
                sys.exit(f"{tool} failed ({proc.returncode}): {proc.stderr[-2000:]}")
            user, system, rss_kib = proc.stderr.strip().split("\n")[-1].split()
            walls[tool].append(wall)
            print(f"{tool}: wall {wall:.2f} s, {args.count * size / MIB / wall:.1f} MiB/s, "
                  f"CPU {float(user) + float(system):.2f} s, peak RSS {int(rss_kib) // 1024} MiB",
                  flush=True)
            for o in dst_client.list_objects_v2(Bucket=dst).get("Contents", []):
                dst_client.delete_object(Bucket=dst, Key=o["Key"])
            dst_client.delete_bucket(Bucket=dst)
    for proc in proxies:
        proc.terminate()
        proc.wait()
    for tool, w in walls.items():
        print(f"{tool}: median wall {statistics.median(w):.2f} s over {len(w)} runs")


if __name__ == "__main__":
    main()
