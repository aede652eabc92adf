#!/usr/bin/env python3
"""What the browser tests do outside the browser, with independent clients:

  s3_tool.py seed SERVER BUCKET COUNT SIZE     creates BUCKET on SERVER (a test bed
                                               name) and COUNT objects of SIZE bytes
  s3_tool.py put SERVER BUCKET KEY TEXT        one more object
  s3_tool.py bucket SERVER BUCKET              creates an empty bucket
  s3_tool.py check SRC BUCKET DST BUCKET       exit 0 when DST holds exactly SRC's
                                               objects, byte for byte (boto3)
  s3_tool.py proxy TARGET_URL REFUSE_FILE      an S3 proxy on a free port that
                                               forwards everything to TARGET_URL but
                                               answers 403 AccessDenied to a PUT of a
                                               key listed in REFUSE_FILE (when it
                                               exists): a destination that refuses
                                               one object, as a bucket policy would.
                                               Prints "port N" when ready.
  s3_tool.py tasks DB TEMPLATE_ID COUNT        copies task TEMPLATE_ID COUNT times in
                                               the server database (SQLite), as a
                                               server with many tasks has them

Servers come from FERRY_TESTBED (the test bed's endpoints.json).
"""
import http.client
import http.server
import json
import os
import socketserver
import sqlite3
import sys
import urllib.parse
import uuid

import boto3
from botocore.config import Config


def client(name):
    with open(os.environ["FERRY_TESTBED"]) as f:
        s = json.load(f)[name]
    return boto3.client(
        "s3", endpoint_url=s["endpoint"], region_name=s["region"],
        aws_access_key_id=s["access_key"], aws_secret_access_key=s["secret_key"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def objects(c, bucket):
    out = {}
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            out[o["Key"]] = c.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
    return out


def seed(server, bucket, count, size):
    c = client(server)
    c.create_bucket(Bucket=bucket)
    for i in range(int(count)):
        body = bytes((i * 7 + j) % 251 for j in range(int(size)))
        c.put_object(Bucket=bucket, Key=f"photos/{i:04d}.jpg", Body=body)


def check(src, src_bucket, dst, dst_bucket):
    a, b = objects(client(src), src_bucket), objects(client(dst), dst_bucket)
    if a != b:
        missing = sorted(set(a) - set(b))
        extra = sorted(set(b) - set(a))
        differ = sorted(k for k in set(a) & set(b) if a[k] != b[k])
        print(f"differ: missing {missing[:5]} ({len(missing)}), extra {extra[:5]}, "
              f"changed {differ[:5]}")
        return 1
    print(f"identical: {len(a)} objects")
    return 0


class Proxy(http.server.BaseHTTPRequestHandler):
    target = None
    refuse_file = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def refused(self):
        if self.command != "PUT" or not os.path.exists(self.refuse_file):
            return False
        with open(self.refuse_file) as f:
            keys = {line.strip() for line in f if line.strip()}
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        parts = path.lstrip("/").split("/", 1)
        return len(parts) == 2 and parts[1] in keys

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.refused():
            text = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                    b'<Message>Access Denied by the test bucket policy</Message></Error>')
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            return
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
        conn.request(self.command, self.path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        self.send_response(res.status, res.reason)
        for k, v in res.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


def proxy(target, refuse_file):
    Proxy.target = urllib.parse.urlsplit(target)
    Proxy.refuse_file = refuse_file
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


def copy_tasks(db, template, count):
    con = sqlite3.connect(db, timeout=30)
    row = con.execute("SELECT spec, created_by, created_at FROM tasks WHERE id=?",
                      (template,)).fetchone()
    spec = json.loads(row[0])
    rows = []
    for i in range(int(count)):
        spec["name"] = f"bulk task {i:05d}"
        rows.append((uuid.uuid4().hex[:16], spec["name"], json.dumps(spec), "Created", "", None,
                     row[2] - i - 1, row[2] - i - 1, row[1]))
    con.executemany("INSERT INTO tasks (id, name, spec, state, last_error, next_run_at, created_at,"
                    " updated_at, created_by) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    con.commit()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "seed":
        seed(*args)
    elif cmd == "put":
        client(args[0]).put_object(Bucket=args[1], Key=args[2], Body=args[3].encode())
    elif cmd == "bucket":
        client(args[0]).create_bucket(Bucket=args[1])
    elif cmd == "check":
        return check(*args)
    elif cmd == "proxy":
        proxy(*args)
    elif cmd == "tasks":
        copy_tasks(*args)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
