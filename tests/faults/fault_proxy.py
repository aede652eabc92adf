#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for S3 servers on loopback (issue 16).

Put one in front of a test-bed server (SeaweedFS, moto) and point ferry at it. Per
request it can

  slowdown | unavailable | internal   answer 503 SlowDown, 503 ServiceUnavailable or
                                      500 InternalError itself (S3 error documents);
  reset                               reset the client's connection: before the request
                                      reaches the server (at="before"), or after the
                                      server handled it and before the client hears the
                                      answer (at="after");
  cut                                 cut a body mid-way: the request body toward the
                                      server or the response body toward the client;
  delay                               hold the request for `delay` seconds, then forward;
  corrupt                             flip one byte of the request body (toward the
                                      server) or of the response body (toward the client);
  hook                                call `fn(request)` in a thread before forwarding
                                      (a crash point, a key rotation); if it returns
                                      "drop", the connection is closed instead,

by rule (method, key pattern, query pattern, a count, matches to let through first,
a probability) and at random with a seed (RandomFaults). It counts every request, the
requests in flight (a record per request: start and end, so concurrency over any
window can be computed) and every fault it injected.

It speaks what S3 clients send: keep-alive (one upstream connection per client
connection), Content-Length and chunked bodies, `Expect: 100-continue` (passed through
to the server), HEAD and bodiless answers, answers delimited by the connection's end.
Bodies stream through in chunks and are never held whole. Headers pass unchanged, so
SigV4 signatures made for the proxy's address stay valid at the server.

In process (tests):   with FaultProxy(upstream_url, rules=[Rule("slowdown", method="PUT",
                      p=0.3)], seed=1) as proxy: ... proxy.url ... proxy.stats()
Standalone:           fault_proxy.py --upstream http://127.0.0.1:PORT --rate 0.1 --seed 1
                      (prints the port it listens on; SIGINT/SIGTERM print the stats)
"""
import argparse
import asyncio
import bisect
import dataclasses
import json
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

CHUNK = 256 * 1024
MAX_HEAD = 64 * 1024

STATUS_FAULTS = {
    "slowdown": (503, "SlowDown", "Please reduce your request rate."),
    "unavailable": (503, "ServiceUnavailable", "Service is unable to handle request."),
    "internal": (500, "InternalError", "We encountered an internal error. Please try again."),
}
KINDS = tuple(STATUS_FAULTS) + ("reset", "cut", "delay", "corrupt", "hook")
REASONS = {100: "Continue", 200: "OK", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable"}


@dataclasses.dataclass
class Request:
    """What a rule sees of a request."""
    method: str
    target: str          # as sent: /bucket/key?query
    path: str            # decoded path
    bucket: str
    key: str             # decoded object key ("" for bucket and service requests)
    query: str           # raw query string
    headers: dict        # lower-case names
    index: int = 0       # 1-based order of arrival at this proxy

    @property
    def params(self):
        return dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))

    def has_body(self):
        return int(self.headers.get("content-length", "0") or 0) > 0 or \
            "chunked" in self.headers.get("transfer-encoding", "").lower()

    def is_object_read(self):
        """A GET of an object's bytes (not a listing, tagging, ACL or parts request)."""
        return self.method == "GET" and bool(self.key) and not (
            set(self.params) & {"tagging", "acl", "uploadId", "uploads", "attributes"})

    def is_object_write(self):
        """A PUT of object bytes: PutObject or UploadPart (not a copy, tagging or ACL)."""
        return self.method == "PUT" and bool(self.key) and self.has_body() and \
            "x-amz-copy-source" not in self.headers and \
            not set(self.params) & {"tagging", "acl"}


@dataclasses.dataclass
class Rule:
    """Injects `fault` into requests that match every given criterion.

    method: exact HTTP method; key / query: regular expressions searched in the decoded
    key and the raw query string; where: a predicate on the Request. Of the matching
    requests the first `skip` pass untouched, then each fires with probability `p`
    (the proxy's seeded generator), at most `count` times (None: no limit).
    direction: "request" or "response" for corrupt and cut (default: the request body
    when there is one, else the response body). offset: the byte to corrupt or where to
    cut (default: a random byte for corrupt, the middle for cut)."""
    fault: str
    method: str = None
    key: str = None
    query: str = None
    where: object = None
    count: int = None
    skip: int = 0
    p: float = 1.0
    direction: str = None
    offset: int = None
    at: str = "before"       # reset: "before" the server sees it, or "after" it answered
    delay: float = 0.0       # delay: seconds
    fn: object = None        # hook: fn(Request) -> None | "drop"
    matched: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.fault not in KINDS:
            raise ValueError(f"unknown fault {self.fault!r}: one of {', '.join(KINDS)}")

    def matches(self, req):
        if self.method and req.method != self.method:
            return False
        if self.key is not None and not re.search(self.key, req.key):
            return False
        if self.query is not None and not re.search(self.query, req.query):
            return False
        return self.where is None or bool(self.where(req))


@dataclasses.dataclass
class RandomFaults:
    """Each request draws a fault with probability `rate`, among `kinds` that apply to
    it: corrupt only object bodies (GET of an object, PutObject, UploadPart: damage to
    a listing's XML is not what a copy can prove), cut only a body that exists."""
    rate: float
    kinds: tuple = ("slowdown", "unavailable", "internal", "reset", "cut", "delay", "corrupt")
    delay: float = 0.5
    methods: tuple = None    # None: every method

    def choose(self, req, rng):
        if self.methods and req.method not in self.methods:
            return None
        if rng.random() >= self.rate:
            return None
        usable = [k for k in self.kinds if applicable(k, req)]
        if not usable:
            return None
        kind = rng.choice(usable)
        direction = None
        if kind in ("corrupt", "cut"):
            if kind == "corrupt":
                direction = "request" if req.is_object_write() else "response"
            else:
                direction = "request" if req.has_body() else "response"
        return Rule(kind, direction=direction, delay=self.delay,
                    at=rng.choice(["before", "after"]) if kind == "reset" else "before")


def applicable(kind, req):
    if kind == "corrupt":
        return req.is_object_write() or req.is_object_read()
    if kind == "cut":
        return req.has_body() or req.method == "GET"
    return kind != "hook"


class Stats:
    """Request records and injected faults; thread-safe reads."""

    def __init__(self):
        # Reentrant: a connection's coroutine may be finalised by the garbage collector
        # on a thread that holds the lock (it ends with Stats.end).
        self.lock = threading.RLock()
        self.records = []    # dicts: index, method, key, query, start, end, status, fault
        self.faults = []     # dicts: index, kind, direction, at, method, key, query, time
        self.in_flight = 0
        self.max_in_flight = 0
        self.started = time.monotonic()

    def begin(self, req):
        rec = {"index": req.index, "method": req.method, "key": req.key, "query": req.query,
               "start": time.monotonic(), "end": None, "status": None, "fault": None}
        with self.lock:
            self.records.append(rec)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return rec

    def end(self, rec):
        with self.lock:
            rec["end"] = time.monotonic()
            self.in_flight -= 1

    def fault(self, req, rule, rec):
        direction = rule.direction
        if rule.fault in ("corrupt", "cut") and direction is None:
            direction = "request" if req.has_body() else "response"
        # `applied` turns False for a corrupt or cut that found no body byte to act on.
        entry = {"index": req.index, "kind": rule.fault, "direction": direction,
                 "at": rule.at if rule.fault == "reset" else None, "method": req.method,
                 "key": req.key, "query": req.query, "time": time.monotonic(),
                 "applied": True}
        with self.lock:
            self.faults.append(entry)
            rec["fault"] = rule.fault
        return entry


def concurrency(records, method=None, start=None, end=None):
    """Most requests in flight at once among `records` (of `method`), counting only
    the overlap with [start, end) when given."""
    events = []
    now = time.monotonic()
    for r in records:
        if method and r["method"] != method:
            continue
        s, e = r["start"], r["end"] if r["end"] is not None else now
        if start is not None:
            s = max(s, start)
        if end is not None:
            e = min(e, end)
        if e <= s:
            continue
        events.append((s, 1))
        events.append((e, -1))
    events.sort(key=lambda x: (x[0], x[1]))  # an end before a start at the same instant
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


def mean_concurrency(records, method=None, start=None, end=None):
    """Time-averaged requests in flight over [start, end)."""
    now = time.monotonic()
    chosen = [r for r in records if not method or r["method"] == method]
    if not chosen:
        return 0.0
    start = min(r["start"] for r in chosen) if start is None else start
    end = max((r["end"] or now) for r in chosen) if end is None else end
    if end <= start:
        return 0.0
    busy = sum(max(0.0, min(r["end"] or now, end) - max(r["start"], start)) for r in chosen)
    return busy / (end - start)


def error_document(code, message, req):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><Resource>{req.path}</Resource>"
            f"<RequestId>fault-proxy-{req.index}</RequestId></Error>").encode()


def parse_head(head):
    """b"LINE\\r\\nName: value\\r\\n...\\r\\n\\r\\n" -> (first line, [(name, value)])."""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"malformed header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def header_dict(headers):
    out = {}
    for name, value in headers:
        out[name.lower()] = value
    return out


def make_request(line, headers, index):
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"malformed request line {line!r}")
    method, target, _ = parts
    split = urllib.parse.urlsplit(target)
    path = urllib.parse.unquote(split.path)
    segments = path.lstrip("/").split("/", 1)
    bucket = segments[0] if segments else ""
    key = segments[1] if len(segments) > 1 else ""
    return Request(method, target, path, bucket, key, split.query, header_dict(headers), index)


def no_delay(writer):
    """Small requests and answers go out at once (no Nagle wait on a kept-alive connection)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def linger_reset(writer):
    """Close with RST rather than FIN: the peer sees 'connection reset'."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


# Offsets for bodies of unknown length: decided on the first piece of data.
FIRST_CHUNK_RANDOM = -1   # corrupt a random byte of it
FIRST_CHUNK_MIDDLE = -2   # cut in its middle


class BodyPump:
    """Copies one body (Content-Length, chunked, or up to EOF) from reader to writer
    (None: discard), corrupting the byte at `corrupt_at` or stopping at `cut_at`
    (offsets count body bytes, not chunk framing)."""

    def __init__(self, corrupt_at=None, cut_at=None, mask=0x01, rng=None):
        self.corrupt_at, self.cut_at, self.mask = corrupt_at, cut_at, mask
        self.rng = rng or random.Random(0)
        self.done = 0          # body bytes passed so far
        self.corrupted = False
        self.was_cut = False

    def _transform(self, data):
        if data and self.corrupt_at == FIRST_CHUNK_RANDOM:
            self.corrupt_at = self.done + self.rng.randrange(len(data))
        if data and self.cut_at == FIRST_CHUNK_MIDDLE:
            self.cut_at = self.done + len(data) // 2
        if self.cut_at is not None and self.done + len(data) > self.cut_at:
            data = data[:max(0, self.cut_at - self.done)]
            self.was_cut = True
        if self.corrupt_at is not None and not self.corrupted and \
                self.done <= self.corrupt_at < self.done + len(data):
            i = self.corrupt_at - self.done
            data = data[:i] + bytes([data[i] ^ self.mask]) + data[i + 1:]
            self.corrupted = True
        self.done += len(data)
        return data

    async def _emit(self, writer, data):
        if writer is not None and data:
            writer.write(data)
            await writer.drain()

    async def fixed(self, reader, writer, length):
        remaining = length
        while remaining > 0:
            data = await reader.read(min(CHUNK, remaining))
            if not data:
                raise ConnectionError("the peer closed the connection mid-body")
            remaining -= len(data)
            out = self._transform(data)
            await self._emit(writer, out)
            if self.was_cut:
                return

    async def until_eof(self, reader, writer):
        while True:
            data = await reader.read(CHUNK)
            if not data:
                return
            await self._emit(writer, self._transform(data))
            if self.was_cut:
                return

    async def chunked(self, reader, writer):
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # Trailers up to the empty line.
                trailer = size_line
                while True:
                    line = await reader.readuntil(b"\r\n")
                    trailer += line
                    if line == b"\r\n":
                        break
                await self._emit(writer, trailer)
                return
            await self._emit(writer, size_line)
            await self.fixed(reader, writer, size)
            if self.was_cut:
                return
            crlf = await reader.readexactly(2)
            await self._emit(writer, crlf)


class FaultProxy:
    """One listening socket on 127.0.0.1 in front of `upstream` (http://host:port)."""

    def __init__(self, upstream, rules=(), random_faults=None, seed=0, name="proxy"):
        u = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = u.hostname, u.port or 80
        self.rules = list(rules)
        self.random_faults = random_faults
        self.seed = seed
        self.rng = random.Random(seed)
        self.name = name
        self.stats_ = Stats()
        self.count = 0
        self.loop = None
        self.server = None
        self.thread = None
        self.port = None
        self.errors = []   # exceptions inside the proxy that were not the fault's intent
        self.tasks = set()  # connection tasks: asyncio holds them weakly once a peer is gone
        self._ready = threading.Event()

    # -- control (any thread) ---------------------------------------------------------

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread = threading.Thread(target=self._run, name=f"fault-proxy-{self.name}",
                                       daemon=True)
        self.thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")
        return self

    def stop(self):
        if self.loop is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._close(), self.loop)
        try:
            fut.result(10)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def set_rules(self, rules, random_faults=None):
        """Replaces the rules (and the random mix) for the requests that follow."""
        with self.stats_.lock:
            self.rules = list(rules)
            self.random_faults = random_faults

    def records(self):
        with self.stats_.lock:
            return [dict(r) for r in self.stats_.records]

    def faults(self):
        with self.stats_.lock:
            return [dict(f) for f in self.stats_.faults]

    def stats(self):
        """Counts: requests (by method), faults (by kind), in flight now and at most."""
        with self.stats_.lock:
            records = list(self.stats_.records)
            faults = list(self.stats_.faults)
            in_flight, most = self.stats_.in_flight, self.stats_.max_in_flight
        by_method, by_kind = {}, {}
        for r in records:
            by_method[r["method"]] = by_method.get(r["method"], 0) + 1
        for f in faults:
            by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
        return {"requests": len(records), "by_method": by_method, "faults": len(faults),
                "faults_by_kind": by_kind, "in_flight": in_flight, "max_in_flight": most,
                "seed": self.seed}

    # -- the loop -----------------------------------------------------------------------

    def _run(self):
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, limit=MAX_HEAD))
        self.port = self.server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def _close(self):
        self.server.close()
        await self.server.wait_closed()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    def _decide(self, req):
        with self.stats_.lock:
            rules = list(self.rules)
            rnd = self.random_faults
        for rule in rules:
            if not rule.matches(req):
                continue
            rule.matched += 1
            if rule.matched <= rule.skip:
                continue
            if rule.count is not None and rule.fired >= rule.count:
                continue
            if rule.p < 1.0 and self.rng.random() >= rule.p:
                continue
            rule.fired += 1
            return rule
        if rnd is not None:
            return rnd.choose(req, self.rng)
        return None

    async def _client(self, reader, writer):
        task = asyncio.current_task()
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        up = None  # (reader, writer) of this connection's upstream connection
        no_delay(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    writer.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                line, headers = parse_head(head)
                self.count += 1
                req = make_request(line, headers, self.count)
                rec = self.stats_.begin(req)
                try:
                    keep, up = await self._serve(req, head, reader, writer, up, rec)
                finally:
                    self.stats_.end(rec)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception as e:  # never take the proxy down; remember it for the tests
            self.errors.append(repr(e))
        finally:
            for w in ([writer] + ([up[1]] if up else [])):
                try:
                    w.close()
                except Exception:
                    pass

    async def _serve(self, req, head, reader, writer, up, rec):
        """Handles one request; returns (keep the client connection, upstream)."""
        rule = self._decide(req)
        entry = None
        if rule is not None and rule.fault != "hook":
            entry = self.stats_.fault(req, rule, rec)
        kind = rule.fault if rule else None
        expect = req.headers.get("expect", "").lower() == "100-continue"
        wants_close = req.headers.get("connection", "").lower() == "close"

        if kind == "hook":
            outcome = await asyncio.get_running_loop().run_in_executor(None, rule.fn, req)
            if outcome == "drop":
                linger_reset(writer)
                return False, up
        if kind == "delay":
            await asyncio.sleep(rule.delay)
        if kind == "reset" and rule.at == "before":
            linger_reset(writer)
            return False, up
        if kind in STATUS_FAULTS:
            status, code, message = STATUS_FAULTS[kind]
            if req.has_body() and not expect:
                await self._drain_request_body(req, reader)
            body = error_document(code, message, req)
            close = expect or wants_close
            writer.write((f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                          "Content-Type: application/xml\r\n"
                          f"Content-Length: {len(body)}\r\n"
                          f"x-amz-request-id: fault-proxy-{req.index}\r\n"
                          + ("Connection: close\r\n" if close else "")
                          + "\r\n").encode() + body)
            await writer.drain()
            rec["status"] = status
            return not close, up

        direction = None
        if kind in ("corrupt", "cut"):
            direction = rule.direction or ("request" if req.has_body() else "response")

        # Forward to the server, on this connection's upstream connection.
        if up is None or up[0].at_eof() or up[1].is_closing():
            try:
                up = await asyncio.open_connection(self.upstream_host, self.upstream_port,
                                                   limit=MAX_HEAD)
                no_delay(up[1])
            except OSError as e:
                body = f"fault proxy: cannot reach the server: {e}".encode()
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
                return False, None
        ureader, uwriter = up
        uwriter.write(head)
        await uwriter.drain()

        if expect:
            # The server decides whether the body comes: pass its interim answer on.
            status_line, rhead = await self._read_response_head(ureader)
            if _status(status_line) == 100:
                writer.write(rhead)
                await writer.drain()
            else:
                await self._relay_response(req, status_line, rhead, ureader, writer,
                                           rule if direction == "response" else None, rec,
                                           entry)
                return False, up  # the body never came: neither side is in a known state

        pump = None
        if req.has_body():
            chunked = "chunked" in req.headers.get("transfer-encoding", "").lower()
            pump = self._pump_for(req, rule if direction == "request" else None,
                                  None if chunked else int(req.headers["content-length"]))
            if chunked:
                await pump.chunked(reader, uwriter)
            else:
                await pump.fixed(reader, uwriter, int(req.headers["content-length"]))
            if entry is not None and direction == "request":
                entry["applied"] = pump.corrupted or pump.was_cut
            if pump.was_cut:
                # Half a body went out; the client's connection ends here, and the
                # server's, which still waits for the rest.
                linger_reset(writer)
                uwriter.close()
                return False, None

        elif entry is not None and direction == "request":
            entry["applied"] = False  # no body to act on
        status_line, rhead = await self._read_response_head(ureader)
        while _status(status_line) == 100:  # an unasked-for interim answer
            writer.write(rhead)
            status_line, rhead = await self._read_response_head(ureader)
        if kind == "reset" and rule.at == "after":
            # The server has done it; the client never hears so.
            await self._drain_response_body(req, status_line, rhead, ureader)
            linger_reset(writer)
            return False, up
        keep = await self._relay_response(req, status_line, rhead, ureader, writer,
                                          rule if direction == "response" else None, rec, entry)
        return keep and not wants_close, up

    def _pump_for(self, req, rule, length):
        """A pump that acts on the body as `rule` says; `length` None: not known in
        advance (chunked, up to EOF), then the first chunk of data decides."""
        if rule is None:
            return BodyPump()
        if rule.fault == "corrupt":
            at = rule.offset
            if at is None:
                at = self.rng.randrange(length) if length else FIRST_CHUNK_RANDOM
            return BodyPump(corrupt_at=at, mask=self.rng.randint(1, 255), rng=self.rng)
        at = rule.offset
        if at is None:
            at = length // 2 if length is not None else FIRST_CHUNK_MIDDLE
        return BodyPump(cut_at=at, rng=self.rng)

    async def _drain_request_body(self, req, reader):
        pump = BodyPump()
        if "chunked" in req.headers.get("transfer-encoding", "").lower():
            await pump.chunked(reader, None)
        else:
            await pump.fixed(reader, None, int(req.headers.get("content-length", "0") or 0))

    async def _read_response_head(self, ureader):
        rhead = await ureader.readuntil(b"\r\n\r\n")
        status_line, _ = parse_head(rhead)
        return status_line, rhead

    def _response_framing(self, req, status_line, rhead):
        """("none" | "length" | "chunked" | "eof", length, headers)."""
        _, headers = parse_head(rhead)
        h = header_dict(headers)
        status = _status(status_line)
        if req.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return "none", 0, h
        if "chunked" in h.get("transfer-encoding", "").lower():
            return "chunked", None, h
        if "content-length" in h:
            return "length", int(h["content-length"]), h
        return "eof", None, h

    async def _drain_response_body(self, req, status_line, rhead, ureader):
        framing, length, _ = self._response_framing(req, status_line, rhead)
        pump = BodyPump()
        if framing == "length":
            await pump.fixed(ureader, None, length)
        elif framing == "chunked":
            await pump.chunked(ureader, None)
        elif framing == "eof":
            await pump.until_eof(ureader, None)

    async def _relay_response(self, req, status_line, rhead, ureader, writer, rule, rec, entry):
        """Relays the answer; returns whether both connections can carry another request."""
        framing, length, h = self._response_framing(req, status_line, rhead)
        rec["status"] = _status(status_line)
        writer.write(rhead)
        pump = self._pump_for(req, rule, length) if rule else BodyPump()
        if framing == "length":
            await pump.fixed(ureader, writer, length)
        elif framing == "chunked":
            await pump.chunked(ureader, writer)
        elif framing == "eof":
            await pump.until_eof(ureader, writer)
        await writer.drain()
        if entry is not None and rule is not None:
            entry["applied"] = pump.corrupted or pump.was_cut
        if pump.was_cut:
            linger_reset(writer)
            return False
        if framing == "eof" or h.get("connection", "").lower() == "close":
            return False
        return True


def _status(status_line):
    try:
        return int(status_line.split(" ", 2)[1])
    except (IndexError, ValueError):
        raise ValueError(f"malformed status line {status_line!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="http://host:port of the server")
    parser.add_argument("--rate", type=float, default=0.0, help="random faults per request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(RandomFaults(0).kinds))
    parser.add_argument("--rule", action="append", default=[],
                        help='a Rule as JSON, e.g. {"fault": "slowdown", "method": "PUT", '
                             '"p": 0.3}')
    args = parser.parse_args()
    rules = [Rule(**json.loads(r)) for r in args.rule]
    rnd = RandomFaults(args.rate, kinds=tuple(args.kinds.split(","))) if args.rate else None
    proxy = FaultProxy(args.upstream, rules, rnd, seed=args.seed).start()
    print(proxy.port, flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    proxy.stop()
    print(json.dumps(proxy.stats()), flush=True)


if __name__ == "__main__":
    main()
