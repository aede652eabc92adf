#!/usr/bin/env python3
"""The test bed: real S3 servers on loopback, started and stopped by the project.

  testbed.py start --dir DIR   starts two SeaweedFS S3 gateways (each with its own
                               access keys, so wrong keys are refused), moto's
                               server (S3, STS, Secrets Manager, SNS, SQS, ECR) and
                               three Debian docker-registry instances (plain; htpasswd;
                               htpasswd for the login moto's ECR GetAuthorizationToken
                               hands out) on free ports, waits until each answers
                               real requests, and writes DIR/endpoints.json
  testbed.py stop --dir DIR    stops them all (SIGTERM, then SIGKILL)

endpoints.json: {"seaweed_a": {"endpoint", "region", "access_key", "secret_key",
                               "s3_config", "pid"},
                 "seaweed_b": {...}, "moto": {...},
                 "registry_plain": {"host", "log"},
                 "registry_auth": {"host", "log", "username", "password"},
                 "registry_ecr": {"host", "log", "username", "password"}}
A registry's "log" is its access log (one line per request), for counting requests.
"""
import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import base64
import urllib.error
import urllib.request

import bcrypt
import boto3
from botocore.config import Config

READY_TIMEOUT = 90  # seconds; SeaweedFS needs its volume server registered first


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def s3_client(server):
    return boto3.client(
        "s3", endpoint_url=server["endpoint"], region_name=server["region"],
        aws_access_key_id=server["access_key"], aws_secret_access_key=server["secret_key"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      connect_timeout=2, read_timeout=10))


def start_seaweed(name, root, log):
    data = os.path.join(root, name)
    shutil.rmtree(data, ignore_errors=True)  # a retried start begins clean
    os.makedirs(data, exist_ok=True)
    access, secret = f"AKID{name.upper().replace('_', '')}", f"secret-{name}-{os.getpid()}"
    config = os.path.join(root, f"{name}-s3.json")
    with open(config, "w") as f:
        json.dump({"identities": [{
            "name": "ferry-tests",
            "credentials": [{"accessKey": access, "secretKey": secret}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
    ports = {k: free_port() for k in
             ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3",
              "s3_grpc", "s3_iceberg", "s3_lance", "metrics"]}
    cmd = [
        # -logtostderr: the log goes to `log` only, not to glog's files in /tmp too.
        shutil.which("weed") or "weed", "-logtostderr", "server", f"-dir={data}", "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1", "-s3", f"-s3.config={config}",
        f"-master.port={ports['master']}", f"-master.port.grpc={ports['master_grpc']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume_grpc']}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer_grpc']}",
        f"-s3.port={ports['s3']}", f"-s3.port.grpc={ports['s3_grpc']}",
        f"-s3.port.iceberg={ports['s3_iceberg']}", f"-s3.port.lance={ports['s3_lance']}",
        f"-metricsPort={ports['metrics']}",
        # Small volumes so that many test buckets (one collection each) fit.
        "-master.volumeSizeLimitMB=64", "-volume.max=0", "-master.telemetry=false",
        "-iam=false", "-webdav=false", "-sftp=false", "-mq.broker=false", "-mq.agent=false",
    ]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # s3_config and pid let a test rotate keys: rewrite the file, then SIGHUP the
    # process (SeaweedFS reloads -s3.config on SIGHUP; an identity whose keys change
    # loses the old ones, identities of the first load never change).
    server = {"endpoint": f"http://127.0.0.1:{ports['s3']}", "region": "us-east-1",
              "access_key": access, "secret_key": secret, "s3_config": config,
              "pid": proc.pid}
    # weed makes a unix socket in /tmp for most of its ports (not all can be moved)
    # and leaves them when it stops: the bed removes them.
    sockets = [f"/tmp/seaweedfs-*-{port}.sock" for port in ports.values()]
    return proc, server, sockets


def start_moto(log):
    port = free_port()
    cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = {"endpoint": f"http://127.0.0.1:{port}", "region": "us-east-1",
              "access_key": "testing", "secret_key": "testing"}
    return proc, server


def start_registry(name, root, log, login=None):
    """Debian's docker-registry on a free port, with htpasswd auth when `login`
    (user, password) is given and its access log in the process log."""
    data = os.path.join(root, name)
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data, exist_ok=True)
    port = free_port()
    auth = ""
    if login:
        htpasswd = os.path.join(root, f"{name}.htpasswd")
        with open(htpasswd, "w") as f:
            f.write(f"{login[0]}:{bcrypt.hashpw(login[1].encode(), bcrypt.gensalt(5)).decode()}\n")
        auth = f"auth:\n  htpasswd:\n    realm: ferry-tests\n    path: {htpasswd}\n"
    config = os.path.join(root, f"{name}.yml")
    with open(config, "w") as f:
        f.write("version: 0.1\n"
                "log:\n  level: warn\n  accesslog:\n    disabled: false\n"
                f"storage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\n"
                f"http:\n  addr: 127.0.0.1:{port}\n  secret: ferry-tests-{os.getpid()}\n" + auth)
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    proc = subprocess.Popen([binary, "serve", config], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    server = {"host": f"127.0.0.1:{port}", "log": log.name}
    if login:
        server.update(username=login[0], password=login[1])
    return proc, server


def ecr_login(moto):
    """The registry login moto's ECR GetAuthorizationToken returns."""
    ecr = boto3.client("ecr", endpoint_url=moto["endpoint"], region_name=moto["region"],
                       aws_access_key_id=moto["access_key"],
                       aws_secret_access_key=moto["secret_key"])
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, password = base64.b64decode(token).decode().split(":", 1)
    return user, password


def wait_registry(name, proc, server, log_path):
    """Ready means GET /v2/ answers 200 (open) or 401 (asks for a login)."""
    deadline = time.monotonic() + READY_TIMEOUT
    last = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://{server['host']}/v2/", timeout=2)
            return
        except urllib.error.HTTPError as e:
            if e.code == 401:
                return
            last = e
        except OSError as e:
            last = e
        time.sleep(0.1)  # polling interval of a readiness check, not a synchronisation
    with open(log_path, errors="replace") as f:
        tail = f.read()[-3000:]
    raise SystemExit(f"testbed: {name} did not become ready ({last}); log tail:\n{tail}")


def wait_ready(name, proc, server, log_path):
    """Ready means a bucket can be created, written, read and removed."""
    deadline = time.monotonic() + READY_TIMEOUT
    bucket = f"ready-{os.getpid()}"
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            s3 = s3_client(server)
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="probe", Body=b"ok")
            assert s3.get_object(Bucket=bucket, Key="probe")["Body"].read() == b"ok"
            s3.delete_object(Bucket=bucket, Key="probe")
            s3.delete_bucket(Bucket=bucket)
            return
        except Exception as e:  # not up yet: connection refused, no volumes yet, ...
            last = e
            time.sleep(0.25)  # polling interval of a readiness check, not a synchronisation
    with open(log_path, errors="replace") as f:
        tail = f.read()[-3000:]
    raise SystemExit(f"testbed: {name} did not become ready ({last}); log tail:\n{tail}")


def remove_sockets(patterns):
    for pattern in patterns:
        for path in glob.glob(pattern):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def stop_pids(pids):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def start(root, attempts=3):
    """Starts the servers; a start that fails (a port taken between our probe and
    the server's bind, say: other processes on the machine take ports too) is
    retried on fresh ports, twice at most."""
    for attempt in range(1, attempts + 1):
        try:
            return start_once(root)
        except SystemExit as e:
            if attempt == attempts:
                raise
            print(f"testbed: attempt {attempt} failed, retrying: {str(e)[:300]}", flush=True)


def start_once(root):
    os.makedirs(os.path.join(root, "logs"), exist_ok=True)
    started = time.monotonic()
    procs, endpoints, sockets = {}, {}, []
    try:
        for name in ["seaweed_a", "seaweed_b", "moto"]:
            log_path = os.path.join(root, "logs", f"{name}.log")
            log = open(log_path, "w")
            if name == "moto":
                proc, server = start_moto(log)
            else:
                proc, server, made = start_seaweed(name, root, log)
                sockets += made
                with open(os.path.join(root, "sockets.json"), "w") as f:
                    json.dump(sockets, f)
            procs[name] = (proc, log_path)
            endpoints[name] = server
            with open(os.path.join(root, "pids.json"), "w") as f:
                json.dump([p.pid for p, _ in procs.values()], f)
        for name, (proc, log_path) in procs.items():
            wait_ready(name, proc, endpoints[name], log_path)
        registries = {"registry_plain": None,
                      "registry_auth": ("ferry", f"pw-{os.getpid()}"),
                      "registry_ecr": ecr_login(endpoints["moto"])}
        for name, login in registries.items():
            log_path = os.path.join(root, "logs", f"{name}.log")
            proc, server = start_registry(name, root, open(log_path, "w"), login)
            procs[name] = (proc, log_path)
            endpoints[name] = server
            with open(os.path.join(root, "pids.json"), "w") as f:
                json.dump([p.pid for p, _ in procs.values()], f)
        for name in registries:
            proc, log_path = procs[name]
            wait_registry(name, proc, endpoints[name], log_path)
    except BaseException:
        stop_pids([p.pid for p, _ in procs.values()])
        remove_sockets(sockets)
        raise
    with open(os.path.join(root, "endpoints.json"), "w") as f:
        json.dump(endpoints, f, indent=2)
    print(f"testbed: ready in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{n} {s.get('endpoint') or s['host']}" for n, s in endpoints.items()))
    return endpoints


def stop(root):
    path = os.path.join(root, "pids.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        stop_pids(json.load(f))
    os.remove(path)
    sockets = os.path.join(root, "sockets.json")
    if os.path.exists(sockets):
        with open(sockets) as f:
            remove_sockets(json.load(f))
        os.remove(sockets)


@contextlib.contextmanager
def running_testbed(root):
    """Starts a test bed in `root` for the duration of the block."""
    try:
        yield start(root)
    finally:
        stop(root)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    if args.action == "start":
        start(args.dir)
    else:
        stop(args.dir)


if __name__ == "__main__":
    main()
