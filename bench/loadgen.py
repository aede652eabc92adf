"""The benchmark's independent load: wrk (C, epoll) on SigV4-presigned paths.

Used to fill buckets fast and to measure the ceiling: the rate at which the servers
alone accept GETs and PUTs when the client costs next to nothing.
"""
import datetime
import hashlib
import hmac
import os
import signal
import subprocess
import time
import urllib.parse

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

    def wait(self):
        """Returns {"ok", "bad", "seconds", "bytes"}; a fill ends when every thread is done."""
        if self.once:
            finished = 0
            for line in self.proc.stderr:
                if "WRK_THREAD_DONE" in line:
                    finished += 1
                    if finished == self.threads:
                        self.proc.send_signal(signal.SIGINT)  # wrk prints its summary on SIGINT
                        break
        out, err = self.proc.communicate()
        elapsed = time.monotonic() - self.started
        for line in out.splitlines():
            if line.startswith("WRK_RESULT"):
                fields = dict(kv.split("=") for kv in line.split()[1:])
                return {"ok": int(fields["ok"]), "bad": int(fields["bad"]),
                        "seconds": float(fields["seconds"]) if not self.once else elapsed,
                        "bytes": int(fields["bytes"])}
        raise RuntimeError(f"wrk failed ({self.proc.returncode}): {out[-500:]} {err[-500:]}")
