#!/usr/bin/env python3
"""ferry against rclone, the AWS CLI and s3cmd on the same data and servers (issue 4).

Source: one SeaweedFS S3 gateway; destination: another (tests/testbed), so every
byte goes through the tool. Each tool runs on its defaults (rclone also tuned), tools
alternate within each round, each figure is the median of --repeat runs. Also measured:
the ceiling (the servers alone under wrk, an independent C load generator on presigned
URLs), the servers' own CPU, and ferry's instructions per object under callgrind.
Writes docs/BENCHMARKS.md.

  python3 bench/bench.py --wan           # the issue's sizes and the WAN profile (75 min)
  python3 bench/bench.py --small 2000 --large-mib 64 --noop 5000 --list 20000 --repeat 1  # smoke
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import boto3
from botocore.config import Config

import loadgen
from report import write_report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "testbed"))
import testbed  # noqa: E402

FERRY = os.path.join(REPO, "build", "ferry")
AWS = "/usr/bin/aws"  # Debian's AWS CLI v2, not a pip shim that may shadow it
KIB, MIB = 1024, 1024 * 1024
TICK = os.sysconf("SC_CLK_TCK")

# Workload (3): many small objects, some large (count, size); the largest go multipart.
MIXED = [(2000, 16 * KIB), (100, 1 * MIB), (10, 16 * MIB), (2, 128 * MIB)]

LABELS = {"ferry": "ferry (defaults)", "rclone": "rclone (defaults)",
          "rclone_tuned": "rclone --transfers 64 --checkers 64",
          "awscli": "aws s3 sync (two steps)", "s3cmd": "s3cmd sync (two steps)",
          "rclone_check": "rclone check (defaults)"}
PEERS = ["rclone", "rclone_tuned", "awscli", "s3cmd"]
# (6) WAN: the tools that run WAN small on all of (1)'s objects; the others run on
# --wan-peer-max of them (under 80 ms RTT rclone's 4 transfers and s3cmd's one at a time
# would take an hour for 20,000).
WAN_FULL = ("ferry", "rclone_tuned")
DELAY_PROXY = os.path.join(REPO, "bench", "delay_proxy.py")


def client(server):
    return boto3.client("s3", endpoint_url=server["endpoint"], region_name="us-east-1",
                        aws_access_key_id=server["access_key"],
                        aws_secret_access_key=server["secret_key"],
                        config=Config(s3={"addressing_style": "path"},
                                      max_pool_connections=16))


def cpu_seconds(pid):
    """utime + stime of a process and its waited-for children, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICK


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Fill:
    """Fills buckets through wrk (presigned PUTs), then checks by listing that every key
    is there (a key missing is put again with boto3)."""

    def __init__(self, work):
        self.work = work

    def body(self, size):
        path = os.path.join(self.work, f"body-{size}")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                for left in range(size, 0, -64 * MIB):
                    f.write(os.urandom(min(left, 64 * MIB)))
        return path

    def start(self, server, bucket, keys, size, header=None, connections=64):
        """Starts the PUTs; returns an object whose wait() ends when they are done."""
        paths = os.path.join(self.work, f"paths-{uuid.uuid4().hex[:8]}")
        loadgen.write_paths(paths, server, "PUT", bucket, keys, header)
        if size > 16 * MIB:  # wrk holds a body in memory twice per thread: curl streams it
            with open(paths) as f:
                lines = f.read().split()
            body = self.body(size)
            pool = concurrent.futures.ThreadPoolExecutor(1)
            job = pool.submit(loadgen.curl_load, server, lines, "PUT", body, True, 0, 4)
            pool.shutdown(wait=False)
            return type("CurlFill", (), {"wait": staticmethod(lambda timeout=None: job.result())})()
        threads = min(2, len(keys))  # a wrk thread with no path would never finish
        return loadgen.Wrk(server, paths, "PUT", body_file=self.body(size), header=header,
                           once=True, threads=threads, connections=max(connections, threads))

    def verify(self, server, bucket, keys, size, header=None):
        listed = set(ferry_ls(server, bucket))
        missing = [k for k in keys if k not in listed]
        if missing:
            s3 = client(server)
            extra = {}
            if header:
                name, value = header.split(":", 1)
                extra["Metadata"] = {name.lower().replace("x-amz-meta-", ""): value.strip()}
            with open(self.body(size), "rb") as f:
                body = f.read()  # the bytes wrk sent: both sides of (4) must match
            for k in missing:
                s3.put_object(Bucket=bucket, Key=k, Body=body, **extra)
        return len(missing)


def ferry_ls(server, bucket):
    secret = os.path.join(tempfile.gettempdir(), f"ferry-bench-ls-{os.getpid()}.json")
    with open(secret, "w") as f:
        json.dump({"access_key_id": server["access_key"],
                   "secret_access_key": server["secret_key"]}, f)
    try:
        out = subprocess.run([FERRY, "ls", f"s3://{bucket}", "--endpoint", server["endpoint"],
                              "--secret", secret, "--json"],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.remove(secret)
    return [json.loads(line)["key"] for line in out.splitlines() if line]


def run_measured(cmd, env, servers_pids):
    """Runs cmd under GNU time; returns dict wall, cpu, rss (MiB), srv (the servers' CPU s
    during the run). GNU time, not wait4 here: a child forked from this Python process
    would report our RSS."""
    with tempfile.NamedTemporaryFile(mode="r") as stats:
        srv0 = sum(cpu_seconds(p) for p in servers_pids)
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", stats.name, *cmd],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        srv1 = sum(cpu_seconds(p) for p in servers_pids)
        ok_codes = (0, 1) if cmd[0] == FERRY and cmd[1] == "check" else (0,)
        if proc.returncode not in ok_codes:
            raise RuntimeError(f"{os.path.basename(cmd[0])} failed ({proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}")
        wall, user, system, rss_kib = stats.read().split()[-4:]
    return {"wall": float(wall), "cpu": float(user) + float(system),
            "rss": int(rss_kib) / 1024, "srv": srv1 - srv0}


def rclone_env(base_env, src, dst):
    """`base_env` (without AWS_*: Debian's rclone refuses to start with AWS_CA_BUNDLE
    set) plus the remotes src: and dst: on the servers `src` and `dst`."""
    env = dict(base_env)
    for remote, s in (("SRC", src), ("DST", dst)):
        env.update({f"RCLONE_CONFIG_{remote}_TYPE": "s3",
                    f"RCLONE_CONFIG_{remote}_PROVIDER": "Other",
                    f"RCLONE_CONFIG_{remote}_ENDPOINT": s["endpoint"],
                    f"RCLONE_CONFIG_{remote}_REGION": "us-east-1",
                    f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": s["access_key"],
                    f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": s["secret_key"]})
    return env


class Tools:
    """Each tool as a function (src bucket, dst bucket) -> measurement dict."""

    def __init__(self, servers, pids, work):
        self.a, self.b, self.work, self.pids = servers["seaweed_a"], servers["seaweed_b"], work, pids
        self.base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.secrets = {}
        for name, s in (("a", self.a), ("b", self.b)):
            path = os.path.join(work, f"{name}.json")
            with open(path, "w") as f:
                json.dump({"access_key_id": s["access_key"], "secret_access_key": s["secret_key"]}, f)
            self.secrets[name] = path

    def _ferry(self, verb, src, dst, extra=()):
        cmd = [FERRY, verb, f"s3://{src}", f"s3://{dst}",
               "--src-endpoint", self.a["endpoint"], "--src-secret", self.secrets["a"],
               "--dst-endpoint", self.b["endpoint"], "--dst-secret", self.secrets["b"],
               "--no-progress", *extra]
        if verb != "check":
            cmd += ["--state", os.path.join(self.work, "state")]
        return cmd

    def ferry(self, src, dst):
        return run_measured(self._ferry("sync", src, dst), self.base_env, self.pids)

    def ferry_check(self, src, dst):
        return run_measured(self._ferry("check", src, dst), self.base_env, self.pids)

    def _rclone_env(self):
        return rclone_env(self.base_env, self.a, self.b)

    def rclone(self, src, dst):
        return run_measured(["rclone", "sync", f"src:{src}", f"dst:{dst}"],
                            self._rclone_env(), self.pids)

    def rclone_tuned(self, src, dst):
        return run_measured(["rclone", "sync", f"src:{src}", f"dst:{dst}",
                             "--transfers", "64", "--checkers", "64"],
                            self._rclone_env(), self.pids)

    def rclone_check(self, src, dst):
        return run_measured(["rclone", "check", f"src:{src}", f"dst:{dst}"],
                            self._rclone_env(), self.pids)

    def _two_step(self, down, up):
        """Tools that speak to one endpoint per command: download, then upload."""
        m1 = run_measured(down[0], down[1], self.pids)
        m2 = run_measured(up[0], up[1], self.pids)
        return {"wall": m1["wall"] + m2["wall"], "cpu": m1["cpu"] + m2["cpu"],
                "rss": max(m1["rss"], m2["rss"]), "srv": m1["srv"] + m2["srv"]}

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


def drop_bucket(server, bucket):
    """Empties and removes a destination bucket: SeaweedFS frees the space of a bucket's
    collection only when the bucket goes."""
    s3 = client(server)
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
    except Exception as e:  # space only; the measurement is already taken
        print(f"bench: could not remove {bucket}: {e}", flush=True)


def ceiling(servers, pids, work, src_bucket, get_keys, put_size, seconds, connections):
    """The servers alone: wrk (curl for large bodies) GETs the workload's objects from A
    for `seconds`, then PUTs objects of put_size to B for `seconds`. A copy needs one of
    each per object, and both sides share the same 2 cores, so the copy's ceiling is
    1 / (1/GETs + 1/PUTs): the time of one GET plus the time of one PUT, each at the
    rate the servers reach alone."""
    a, b = servers["seaweed_a"], servers["seaweed_b"]
    bucket = f"ceiling-{uuid.uuid4().hex[:8]}"
    client(b).create_bucket(Bucket=bucket)
    gets, puts = os.path.join(work, "ceiling-get"), os.path.join(work, "ceiling-put")
    loadgen.write_paths(gets, a, "GET", src_bucket, get_keys)
    loadgen.write_paths(puts, b, "PUT", bucket, [f"c/{i:08d}" for i in range(200000)])
    body = Fill(work).body(put_size)
    large = put_size > 1 * MIB  # wrk hands every response body to its script

    def phase(server, paths, method):
        srv0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
        if large:
            with open(paths) as f:
                lines = f.read().split()
            r = loadgen.curl_load(server, lines, method, body if method == "PUT" else None,
                                  False, seconds, connections)
        else:
            r = loadgen.Wrk(server, paths, method, body_file=body if method == "PUT" else None,
                            seconds=seconds, connections=connections).wait()
        r["cores"] = (sum(cpu_seconds(p) for p in pids) - srv0) / (time.monotonic() - t0)
        return r
    rg = phase(a, gets, "GET")
    rp = phase(b, puts, "PUT")
    drop_bucket(b, bucket)
    get_rate, put_rate = rg["ok"] / rg["seconds"], rp["ok"] / rp["seconds"]
    get_bps = rg["bytes"] / rg["seconds"]
    put_bps = rp["ok"] * put_size / rp["seconds"]
    return {"get_per_s": get_rate, "put_per_s": put_rate,
            "pairs_per_s": 1 / (1 / get_rate + 1 / put_rate) if get_rate and put_rate else 0,
            "get_bytes_per_s": get_bps, "put_bytes_per_s": put_bps,
            "copy_bytes_per_s": 1 / (1 / get_bps + 1 / put_bps) if get_bps and put_bps else 0,
            "errors": rg["bad"] + rp["bad"], "get_cores": rg["cores"], "put_cores": rp["cores"]}


def callgrind(tools, src, dst_server, objects, work):
    """ferry sync of `objects` 16 KiB objects under callgrind: instructions per object."""
    if not shutil.which("valgrind"):
        return {"error": "valgrind not installed"}
    dst = f"cg-{uuid.uuid4().hex[:8]}"
    client(dst_server).create_bucket(Bucket=dst)
    out = os.path.join(work, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
           *tools._ferry("sync", src, dst)]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=tools.base_env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr[-1000:]}
    total = None
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=no", out],
                              capture_output=True, text=True).stdout
    top = []
    for line in annotate.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in line:
            name = m.group(3)
            name = re.sub(r"\[/[^\]]*/([^/\]]+)\]$", r"[\1]", name)  # the object file's name
            top.append((int(m.group(1).replace(",", "")), float(m.group(2)), name[:110]))
        if len(top) >= 12:
            break
    return {"ir": total, "objects": objects, "ir_per_object": total / objects if total else None,
            "top": top, "wall": wall}


def start_proxy(upstream, delay_ms, window_mib, log, timeout=15):
    """Starts bench/delay_proxy.py in front of `upstream` (http://HOST:PORT); returns
    (process, endpoint) once it has printed the port it listens on."""
    hostport = upstream.split("://", 1)[1].rstrip("/")
    err = open(log, "ab")
    proc = subprocess.Popen([sys.executable, DELAY_PROXY, "--upstream", hostport,
                             "--delay-ms", str(delay_ms), "--window-mib", str(window_mib)],
                            stdout=subprocess.PIPE, stderr=err)
    err.close()
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            proc.kill()
            proc.wait()
            with open(log, errors="replace") as f:
                raise RuntimeError(f"delay_proxy for {upstream} not ready: {f.read()[-1000:]}")
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 64)
            if not chunk:
                continue  # EOF: poll() notices the exit
            line += chunk
    return proc, f"http://127.0.0.1:{int(line)}"


def stop_proxies(procs):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def measure_rtt(server, endpoints, bucket, key, n=20):
    """Milliseconds per GET of a 1-byte object (median of n sequential requests), on a
    fresh connection each time and on one reused connection, for each endpoint (the
    server direct and through its proxy)."""
    import http.client
    out = {}
    for label, endpoint in endpoints.items():
        url = client({**server, "endpoint": endpoint}).generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600)
        hostport, path = url.split("://", 1)[1].split("/", 1)
        host, port = hostport.rsplit(":", 1)

        def get(conn):
            t0 = time.monotonic()
            conn.request("GET", "/" + path)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"GET {endpoint}/{bucket}/{key}: {r.status}")
            return (time.monotonic() - t0) * 1000
        fresh = []
        for _ in range(n):
            t0 = time.monotonic()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            get(conn)
            fresh.append((time.monotonic() - t0) * 1000)
            conn.close()
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        get(conn)  # the handshake, not timed
        reused = [get(conn) for _ in range(n)]
        conn.close()
        out[label] = {"fresh_ms": statistics.median(fresh), "reused_ms": statistics.median(reused)}
    return out


def netem_probe():
    """WAN profile prerequisite: netem in a throwaway network namespace."""
    ns = f"ferrybench{os.getpid()}"
    try:
        r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
        if r.returncode != 0:
            return f"`ip netns add` failed: {r.stderr.strip()}"
        r = subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root",
                            "netem", "delay", "1ms"], capture_output=True, text=True)
        if r.returncode != 0:
            return (f"`tc qdisc add dev lo root netem delay 1ms` (in a throwaway namespace) "
                    f"failed: {r.stderr.strip()}")
        return None
    except FileNotFoundError as e:
        return f"{e}"
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=20000, help="(1) objects of 16 KiB")
    parser.add_argument("--large-mib", type=int, default=1024, help="(2) size of each large object")
    parser.add_argument("--large-count", type=int, default=4)
    parser.add_argument("--mixed-scale", type=float, default=1.0,
                        help="(3) multiplies the counts of the mixed distribution")
    parser.add_argument("--noop", type=int, default=100000, help="(4) unchanged objects")
    parser.add_argument("--list", type=int, default=1000000, help="(5) objects per side")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slow-peer-max", type=int, default=4000,
                        help="the AWS CLI and s3cmd run on this many of the 16 KiB objects")
    parser.add_argument("--no-rclone-check", action="store_true",
                        help="(5) measure ferry check only")
    parser.add_argument("--callgrind-objects", type=int, default=2000)
    parser.add_argument("--ceiling-seconds", type=int, default=8)
    parser.add_argument("--workloads", default="small,large,mixed,noop,list",
                        help="comma-separated subset to run (also wan_small, wan_large)")
    parser.add_argument("--wan", action="store_true",
                        help="(6) also run wan_small and wan_large: (1) and (2) through "
                             "bench/delay_proxy.py, --wan-delay-ms each way")
    parser.add_argument("--wan-delay-ms", type=float, default=40)
    parser.add_argument("--wan-window-mib", type=float, default=8,
                        help="(6) bytes in flight per connection and direction")
    parser.add_argument("--wan-peer-max", type=int, default=500,
                        help="(6) every tool but ferry and rclone tuned runs WAN small on "
                             "this many of the 16 KiB objects")
    parser.add_argument("--out", default=os.path.join(REPO, "docs", "BENCHMARKS.md"))
    parser.add_argument("--explain", default=os.path.join(REPO, "bench", "analysis.md"),
                        help="hand-written analysis appended to the page, if the file exists")
    parser.add_argument("--from-json", metavar="FILE",
                        help="write the page again from the raw figures of an earlier run")
    args = parser.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        saved = argparse.Namespace(**{**raw["args"], "out": args.out, "explain": args.explain})
        results = {tuple(k.split("/", 1)): v for k, v in raw["results"].items()}
        write_report(saved, results, raw["workloads"], raw["ceilings"], raw["notes"],
                     min(saved.small, saved.slow_peer_max))
        return
    chosen = set(args.workloads.split(","))
    if args.wan:
        chosen |= {"wan_small", "wan_large"}

    work = tempfile.mkdtemp(prefix="ferry-bench-")
    try:
        run(args, chosen, work)
    finally:
        loadgen.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def run(args, chosen, work):
    started, load_before = time.monotonic(), loadavg()
    results = {}  # (workload, tool) -> list of measurement dicts
    ceilings = {}  # workload -> list of ceiling dicts
    notes = {"load_before": load_before, "netem": netem_probe()}
    with testbed.running_testbed(os.path.join(work, "servers")) as servers:
        with open(os.path.join(work, "servers", "pids.json")) as f:
            pids = json.load(f)[:2]  # the two SeaweedFS servers (moto idles)
        tools = Tools(servers, pids, work)
        a, b = servers["seaweed_a"], servers["seaweed_b"]
        fill = Fill(work)
        workloads = {}  # name -> (src bucket, count, bytes, tools)

        def fill_many(jobs):
            """jobs: (server, bucket, keys, size, header); wrk per job, at most two at once."""
            t0 = time.monotonic()
            for server, bucket, *_ in jobs:
                try:
                    client(server).create_bucket(Bucket=bucket)
                except Exception:
                    pass  # the same bucket filled in several sizes
            for i in range(0, len(jobs), 2):
                running = [(j, fill.start(j[0], j[1], j[2], j[3], j[4])) for j in jobs[i:i + 2]]
                for j, w in running:
                    # Generous: a fill runs at 1,000-8,000 objects/s; what is missing
                    # after it is put again by verify().
                    w.wait(timeout=120 + len(j[2]) / 200)
            again = sum(fill.verify(*j) for j in jobs)
            n = sum(len(j[2]) for j in jobs)
            print(f"bench: filled {n} objects in {time.monotonic() - t0:.1f} s "
                  f"({again} put again)", flush=True)
            return time.monotonic() - t0

        small_keys = [f"d{i % 100:02d}/obj-{i:07d}" for i in range(args.small)]
        n_slow = min(args.small, args.slow_peer_max)
        jobs = []
        if "noop" in chosen:
            # Both sides hold the same bytes and the same rclone mtime metadata, as after
            # a sync by any of the tools: a resync has nothing to do. First, so that the
            # two fills (one per server) run at the same time.
            keys = [f"d{i % 1000:03d}/obj-{i:07d}" for i in range(args.noop)]
            mtime = "X-Amz-Meta-Mtime: 1764000000"
            jobs += [(a, "bench-noop", keys, 1 * KIB, mtime), (b, "bench-noop", keys, 1 * KIB, mtime)]
        n_wan = min(args.small, args.wan_peer_max)
        wan_subset = None  # the bucket WAN small's slower tools copy from
        if "small" in chosen or "wan_small" in chosen:
            jobs += [(a, "bench-small", small_keys, 16 * KIB, None)]
            if "small" in chosen:
                jobs += [(a, "bench-small-subset", small_keys[:n_slow], 16 * KIB, None)]
                workloads["small"] = ("bench-small", args.small, args.small * 16 * KIB,
                                      ["ferry", *PEERS])
            if "wan_small" in chosen:
                if n_wan == args.small:
                    wan_subset = "bench-small"
                elif n_wan == n_slow and "small" in chosen:
                    wan_subset = "bench-small-subset"
                else:
                    wan_subset = "bench-wan-subset"
                    jobs += [(a, wan_subset, small_keys[:n_wan], 16 * KIB, None)]
        if "large" in chosen or "wan_large" in chosen:
            jobs += [(a, "bench-large", [f"large-{i}" for i in range(args.large_count)],
                      args.large_mib * MIB, None)]
            if "large" in chosen:
                workloads["large"] = ("bench-large", args.large_count,
                                      args.large_count * args.large_mib * MIB, ["ferry", *PEERS])
        if "mixed" in chosen:
            total_n, total_b = 0, 0
            for count, size in MIXED:
                count = max(1, int(count * args.mixed_scale))
                jobs.append((a, "bench-mixed", [f"s{size}/o-{i:06d}" for i in range(count)],
                             size, None))
                total_n, total_b = total_n + count, total_b + count * size
            workloads["mixed"] = ("bench-mixed", total_n, total_b, ["ferry", *PEERS])
            notes["mixed"] = [(max(1, int(c * args.mixed_scale)), s) for c, s in MIXED]
        if "noop" in chosen:
            workloads["noop"] = ("bench-noop", args.noop, 0, ["ferry", "rclone", "rclone_tuned"])
        print(f"bench: generating data; load {loadavg()}", flush=True)
        notes["fill_s"] = fill_many(jobs)
        if "list" in chosen:
            keys = [f"d{i % 1000:03d}/obj-{i:07d}" for i in range(args.list)]
            notes["list_fill_s"] = fill_many([(a, "bench-list", keys, 0, None),
                                              (b, "bench-list", keys, 0, None)])
            workloads["list"] = ("bench-list", args.list, 0,
                                 ["ferry_check"] + ([] if args.no_rclone_check else ["rclone_check"]))
        if "wan_small" in chosen:
            workloads["wan_small"] = ("bench-small", args.small, args.small * 16 * KIB,
                                      ["ferry", *PEERS])
        if "wan_large" in chosen:
            workloads["wan_large"] = ("bench-large", args.large_count,
                                      args.large_count * args.large_mib * MIB, ["ferry", *PEERS])
        proxies = []
        try:
            wan_tools = None
            if "wan_small" in chosen or "wan_large" in chosen:
                wan_tools = start_wan(args, servers, pids, work, proxies, notes, n_wan, wan_subset)
            measure(args, servers, pids, work, tools, wan_tools, proxies, workloads, results,
                    ceilings, notes, small_keys, wan_subset, fill_many, chosen, n_slow)
        finally:
            stop_proxies(proxies)
    notes["load_after"] = loadavg()
    notes["minutes"] = (time.monotonic() - started) / 60
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:  # the raw figures
        json.dump({"args": vars(args), "notes": notes,
                   "ceilings": ceilings, "workloads": workloads,
                   "results": {f"{w}/{n}": r for (w, n), r in results.items()}}, f, indent=1)
    write_report(args, results, workloads, ceilings, notes, n_slow)


def start_wan(args, servers, pids, work, proxies, notes, n_wan, wan_subset):
    """(6) One delay proxy in front of each server; returns a Tools that talks to the
    servers through them. Measures the round trip the proxies add."""
    a = servers["seaweed_a"]
    wan_servers = {}
    for name in ("seaweed_a", "seaweed_b"):
        proc, endpoint = start_proxy(servers[name]["endpoint"], args.wan_delay_ms,
                                     args.wan_window_mib, os.path.join(work, f"proxy-{name}.log"))
        proxies.append(proc)
        wan_servers[name] = {**servers[name], "endpoint": endpoint}
    s3 = client(a)
    try:
        s3.create_bucket(Bucket="bench-wan-rtt")
    except Exception:
        pass
    s3.put_object(Bucket="bench-wan-rtt", Key="one-byte", Body=b"x")
    rtt = measure_rtt(a, {"direct": a["endpoint"],
                          "proxy": wan_servers["seaweed_a"]["endpoint"]},
                      "bench-wan-rtt", "one-byte")
    notes["wan"] = {"delay_ms": args.wan_delay_ms, "window_mib": args.wan_window_mib,
                    "peer_objects": n_wan, "peer_bucket": wan_subset, "full": list(WAN_FULL),
                    "rtt": rtt, "netem": notes.get("netem")}
    print(f"bench: WAN proxies {[s['endpoint'] for s in wan_servers.values()]}, "
          f"GET of 1 byte (ms, median of 20): {rtt}", flush=True)
    return Tools(wan_servers, pids, work)


def measure(args, servers, pids, work, tools, wan_tools, proxies, workloads, results,
            ceilings, notes, small_keys, wan_subset, fill_many, chosen, n_slow):
    a, b = servers["seaweed_a"], servers["seaweed_b"]
    for rep in range(args.repeat):
        for workload, (bucket, count, nbytes, names) in workloads.items():
            if rep == 0:
                notes[f"load_{workload}"] = loadavg()
            wan = workload.startswith("wan_")
            for name in names:  # alternate tools within each repetition
                src = bucket
                if workload == "small" and name in ("awscli", "s3cmd"):
                    src = "bench-small-subset"
                if workload == "wan_small" and name not in WAN_FULL:
                    src = wan_subset
                if workload in ("noop", "list"):
                    dst = bucket
                else:
                    dst = f"dst-{uuid.uuid4().hex[:10]}"
                    client(b).create_bucket(Bucket=dst)
                try:
                    if wan:
                        p0 = sum(cpu_seconds(p.pid) for p in proxies)
                    m = getattr(wan_tools if wan else tools, name)(src, dst)
                    if wan:  # the delay lines' own CPU, apart from the servers'
                        m["proxy"] = sum(cpu_seconds(p.pid) for p in proxies) - p0
                except Exception as e:
                    print(f"bench: {name} {workload} failed: {e}", flush=True)
                    continue
                finally:
                    if workload in ("large", "mixed", "wan_large"):
                        drop_bucket(b, dst)
                results.setdefault((workload, name), []).append(m)
                print(f"bench: rep {rep + 1} {workload:5} {name:13} wall {m['wall']:7.2f} s "
                      f"cpu {m['cpu']:6.2f} s rss {m['rss']:6.0f} MiB servers {m['srv']:6.2f} s"
                      + (f" proxies {m['proxy']:6.2f} s" if wan else "")
                      + f"  load {loadavg()}", flush=True)
            try:
                if workload == "small":
                    ceilings.setdefault("small", []).append(ceiling(
                        servers, pids, work, bucket, small_keys, 16 * KIB,
                        args.ceiling_seconds, 64))
                if workload == "large":
                    ceilings.setdefault("large", []).append(ceiling(
                        servers, pids, work, bucket,
                        [f"large-{i}" for i in range(args.large_count)],
                        16 * MIB, max(args.ceiling_seconds, 10), 8))
                if workload in ceilings:
                    print(f"bench: rep {rep + 1} ceiling {workload} {ceilings[workload][-1]}",
                          flush=True)
            except Exception as e:  # the tools' figures stand without it
                loadgen.stop_all()
                print(f"bench: ceiling {workload} failed: {e}", flush=True)
    if args.callgrind_objects and "small" in chosen:
        n = min(args.callgrind_objects, n_slow)
        cg_src = "bench-small-subset"
        if n < n_slow:
            cg_src = "bench-callgrind"
            fill_many([(a, cg_src, small_keys[:n], 16 * KIB, None)])
        print("bench: callgrind", flush=True)
        try:
            notes["callgrind"] = callgrind(tools, cg_src, b, n, work)
        except Exception as e:  # reported on the page
            notes["callgrind"] = {"error": str(e)[-500:]}
        print(f"bench: callgrind {notes['callgrind'].get('ir_per_object')}", flush=True)


if __name__ == "__main__":
    main()
