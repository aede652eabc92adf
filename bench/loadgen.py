"""The benchmark's independent load: wrk (C, epoll) on SigV4-presigned paths.

Used to fill buckets fast and to measure the ceiling: the rate at which the servers
alone accept GETs and PUTs when the client costs next to nothing.
"""
import datetime
import hashlib
import hmac
import os
import select
import signal
import subprocess
import time
import urllib.parse

RUNNING = set()  # wrk processes not yet waited for: stop_all() ends them on failure


def stop_all():
    for proc in list(RUNNING):
        proc.kill()
        proc.wait()
    RUNNING.clear()


LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3_load.lua")


def presigner(server, method, header=None, expires=4 * 3600):
    """Returns sign(bucket, key) -> path?query of a SigV4 presigned URL (path style).
    header: "Name: value" that every request will carry (signed too: S3 refuses unsigned
    x-amz-* headers on a presigned request)."""
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day, region = amz_date[:8], server.get("region", "us-east-1")
    host = server["endpoint"].split("://", 1)[1]

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()
    key = mac(mac(mac(mac(("AWS4" + server["secret_key"]).encode(), day), region), "s3"),
              "aws4_request")
    scope = f"{day}/{region}/s3/aws4_request"
    canonical_headers, signed = f"host:{host}\n", "host"
    if header:
        name, value = header.split(":", 1)
        canonical_headers = f"host:{host}\n{name.strip().lower()}:{value.strip()}\n"
        signed = f"host;{name.strip().lower()}"
    params = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
              "X-Amz-Credential": f"{server['access_key']}/{scope}",
              "X-Amz-Date": amz_date, "X-Amz-Expires": str(expires),
              "X-Amz-SignedHeaders": signed}
    query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                     for k, v in sorted(params.items()))

    def sign(bucket, object_key):
        path = f"/{bucket}/" + urllib.parse.quote(object_key, safe="/-_.~")
        canonical = f"{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\nUNSIGNED-PAYLOAD"
        to_sign = (f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
                   f"{hashlib.sha256(canonical.encode()).hexdigest()}")
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{path}?{query}&X-Amz-Signature={signature}"
    return sign


def write_paths(path_file, server, method, bucket, keys, header=None):
    sign = presigner(server, method, header)
    with open(path_file, "w") as f:
        for k in keys:
            f.write(sign(bucket, k) + "\n")


class Wrk:
    """One wrk process. once=True: every path once (a fill); else for `seconds`."""

    def __init__(self, server, path_file, method, body_file=None, header=None, once=False,
                 seconds=3600, threads=2, connections=64):
        self.threads, self.once = threads, once
        env = {"WRK_PATHS": path_file, "WRK_METHOD": method,
               "WRK_ONCE": "1" if once else "0", "WRK_THREADS": str(threads),
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if body_file:
            env["WRK_BODY_FILE"] = body_file
        if header:
            env["WRK_HEADER"] = header
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s",
             "-s", LUA, server["endpoint"]],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        RUNNING.add(self.proc)

    def wait(self, timeout=None):
        """Returns {"ok", "bad", "seconds", "bytes"}; a fill ends when every thread is done,
        or after `timeout` seconds (a request that timed out is never answered: the
        caller lists what arrived and puts the rest again)."""
        if self.once:
            finished, buffered = 0, ""
            deadline = time.monotonic() + (timeout or 1e9)
            fd = self.proc.stderr.fileno()
            while finished < self.threads and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1.0)
                if not ready:
                    continue
                chunk = os.read(fd, 4096).decode(errors="replace")
                if not chunk:
                    break
                buffered += chunk
                finished = buffered.count("WRK_THREAD_DONE")
            self.proc.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
        out, err = self.proc.communicate()
        RUNNING.discard(self.proc)
        elapsed = time.monotonic() - self.started
        for line in out.splitlines():
            if line.startswith("WRK_RESULT"):
                fields = dict(kv.split("=") for kv in line.split()[1:])
                return {"ok": int(fields["ok"]), "bad": int(fields["bad"]),
                        "seconds": float(fields["seconds"]) if not self.once else elapsed,
                        "bytes": int(fields["bytes"])}
        raise RuntimeError(f"wrk failed ({self.proc.returncode}): {out[-500:]} {err[-500:]}")


def curl_load(server, paths, method, body_file=None, once=False, seconds=60, connections=4):
    """Large objects: wrk keeps a body in a Lua string (LuaJIT refuses 1 GiB) and
    buffers each response for its script, so these go through curl, one process per
    request, `connections` at a time. Returns the same dict as Wrk.wait()."""
    import concurrent.futures
    import itertools
    import threading
    lock, totals = threading.Lock(), {"ok": 0, "bad": 0, "bytes": 0}
    jobs = iter(paths) if once else itertools.cycle(paths)
    started = time.monotonic()
    deadline = started + seconds

    def worker():
        while once or time.monotonic() < deadline:
            with lock:
                path = next(jobs, None)
            if path is None:
                return
            url = server["endpoint"] + path
            cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} "
                   "%{size_upload}", "-X", method, url]
            if method == "PUT":
                # No "Expect: 100-continue": curl would wait up to 1 s for a 100 per PUT.
                cmd += ["-T", body_file, "-H", "Content-Type:", "-H", "Expect:"]
            out = subprocess.run(cmd, capture_output=True, text=True).stdout.split()
            code, down, up = (int(out[0]), int(out[1]), int(out[2])) if len(out) == 3 else (0, 0, 0)
            with lock:
                totals["ok" if 200 <= code < 300 else "bad"] += 1
                totals["bytes"] += down + up
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        for f in [pool.submit(worker) for _ in range(connections)]:
            f.result()
    totals["seconds"] = time.monotonic() - started
    return totals
