"""The fault proxy itself, against a small HTTP server in this process: it passes what
it should unchanged (keep-alive, Content-Length and chunked bodies, 100-continue,
HEAD, streaming), injects exactly the fault a rule asks for, and counts."""
import hashlib
import http.client
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_proxy import FaultProxy, RandomFaults, Rule, concurrency  # noqa: E402

MIB = 1024 * 1024


def data(size, seed=0):
    block = bytes((i * 31 + 7 + seed) % 251 for i in range(4096))
    return (block * (size // 4096 + 1))[:size]


class Upstream(BaseHTTPRequestHandler):
    """GET /N[?chunked] answers N pattern bytes; PUT stores the body (Content-Length or
    chunked) and answers its MD5; /slow waits on `gate`; /half sends half, waits."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    received = {}      # path -> body
    connections = set()
    gate = threading.Event()
    calls = []

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        Upstream.connections.add(self.client_address)

    def do_HEAD(self):
        Upstream.calls.append(("HEAD", self.path))
        self.send_response(200)
        self.send_header("Content-Length", "123")
        self.end_headers()

    def do_GET(self):
        Upstream.calls.append(("GET", self.path))
        path, _, query = self.path.partition("?")
        if path == "/slow":
            Upstream.gate.wait(10)
            body = b"slow"
        elif path == "/half":
            body = data(2 * MIB)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:MIB])
            self.wfile.flush()
            Upstream.gate.wait(10)
            self.wfile.write(body[MIB:])
            return
        else:
            last = path.strip("/").split("/")[-1]
            body = data(int(last)) if last.isdigit() else last.encode()
        self.send_response(200)
        if query == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 100_000):
                piece = body[i:i + 100_000]
                self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_PUT(self):
        Upstream.calls.append(("PUT", self.path))
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)
            if len(body) < length:
                Upstream.received[self.path] = body  # what arrived before the cut
                self.close_connection = True
                return
        Upstream.received[self.path] = body
        answer = hashlib.md5(body).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def upstream():
    Upstream.received, Upstream.connections, Upstream.calls = {}, set(), []
    Upstream.gate = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Upstream.gate.set()
    server.shutdown()
    server.server_close()


def read_answer(sock):
    """(head, body) of one Content-Length answer read from a raw socket."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(65536)
    head, _, body = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


def conn(proxy):
    return http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)


def test_passes_bodies_unchanged_on_one_kept_alive_connection(upstream):
    with FaultProxy(upstream) as proxy:
        c = conn(proxy)
        body = data(5 * MIB + 3, seed=1)
        c.request("PUT", "/b/k", body=body)
        assert c.getresponse().read() == hashlib.md5(body).hexdigest().encode()
        c.request("GET", f"/b/{3 * MIB}")
        assert c.getresponse().read() == data(3 * MIB)
        c.request("GET", f"/b/{MIB + 5}?chunked")
        assert c.getresponse().read() == data(MIB + 5)
        c.request("HEAD", "/b/k")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"" and r.getheader("Content-Length") == "123"
        c.request("GET", "/b/0")
        assert c.getresponse().read() == b""
        assert Upstream.received["/b/k"] == body
        assert len(Upstream.connections) == 1  # keep-alive both sides
        s = proxy.stats()
        assert s["requests"] == 5 and s["faults"] == 0
        assert s["by_method"] == {"PUT": 1, "GET": 3, "HEAD": 1}
        assert proxy.errors == []


def test_chunked_request_bodies_and_expect_100_continue(upstream):
    with FaultProxy(upstream) as proxy:
        body = data(300_000, seed=2)
        s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
        s.sendall(b"PUT /b/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(body), 70_000):
            piece = body[i:i + 70_000]
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        head, answer = read_answer(s)
        assert head.startswith(b"HTTP/1.1 200") and answer == hashlib.md5(body).hexdigest().encode()
        assert Upstream.received["/b/chunked"] == body

        # 100-continue: the body follows the server's interim answer, on the same connection.
        s.sendall(b"PUT /b/expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode())
        interim = s.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100")
        s.sendall(body)
        head, answer = read_answer(s)
        assert head.startswith(b"HTTP/1.1 200") and answer == hashlib.md5(body).hexdigest().encode()
        assert Upstream.received["/b/expect"] == body
        s.close()


def test_bodies_stream_through_without_being_held_whole(upstream):
    with FaultProxy(upstream) as proxy:
        c = conn(proxy)
        c.request("GET", "/half")
        r = c.getresponse()
        first = r.read(MIB)  # the server holds the second half until the gate opens
        assert first == data(2 * MIB)[:MIB]
        Upstream.gate.set()
        assert r.read() == data(2 * MIB)[MIB:]


def test_status_faults_answer_s3_errors_and_keep_the_connection(upstream):
    rules = [Rule("slowdown", method="PUT", count=1), Rule("internal", method="GET", key="^x$"),
             Rule("unavailable", method="GET", key="^y$", count=1)]
    with FaultProxy(upstream, rules) as proxy:
        c = conn(proxy)
        c.request("PUT", "/b/k", body=data(100_000))
        r = c.getresponse()
        assert r.status == 503 and b"<Code>SlowDown</Code>" in r.read()
        c.request("PUT", "/b/k", body=b"again")  # the drained body did not leak into this one
        assert c.getresponse().read() == hashlib.md5(b"again").hexdigest().encode()
        for _ in range(2):
            c.request("GET", "/b/x")
            r = c.getresponse()
            assert r.status == 500 and b"<Code>InternalError</Code>" in r.read()
        c.request("GET", "/b/y")
        r = c.getresponse()
        assert r.status == 503 and b"ServiceUnavailable" in r.read()
        c.request("GET", "/b/y")
        assert c.getresponse().status == 200
        assert ("PUT", "/b/k") in Upstream.calls and ("GET", "/b/x") not in Upstream.calls
        assert proxy.stats()["faults_by_kind"] == {"slowdown": 1, "internal": 2, "unavailable": 1}


def test_reset_before_never_reaches_the_server_and_after_does(upstream):
    rules = [Rule("reset", key="before"), Rule("reset", key="after", at="after")]
    with FaultProxy(upstream, rules) as proxy:
        for key in ["before", "after"]:
            c = conn(proxy)
            # The reset may reach the client while it still sends, or when it reads.
            with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
                c.request("PUT", f"/b/{key}", body=b"payload")
                c.getresponse().read()
        assert "/b/before" not in Upstream.received
        assert Upstream.received["/b/after"] == b"payload"  # done, though the client never heard
        c = conn(proxy)
        c.request("GET", "/b/10")
        assert c.getresponse().read() == data(10)


def test_cut_bodies_end_mid_way_in_each_direction(upstream):
    rules = [Rule("cut", method="GET"), Rule("cut", method="PUT")]
    with FaultProxy(upstream, rules) as proxy:
        c = conn(proxy)
        c.request("GET", f"/b/{MIB}")
        r = c.getresponse()
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            r.read()
        c = conn(proxy)
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            c.request("PUT", "/b/cut", body=data(MIB))  # the cut may come while it sends
            c.getresponse().read()
        deadline = time.monotonic() + 5
        while "/b/cut" not in Upstream.received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(Upstream.received["/b/cut"]) == MIB // 2
        assert [f["direction"] for f in proxy.faults()] == ["response", "request"]
        assert all(f["applied"] for f in proxy.faults())


def flipped(a, b):
    assert len(a) == len(b)
    return [i for i in range(len(a)) if a[i] != b[i]]


def test_corrupt_flips_exactly_one_byte_in_each_direction(upstream):
    rules = [Rule("corrupt", method="PUT", count=1), Rule("corrupt", method="GET", count=1),
             Rule("corrupt", method="GET", query="chunked", count=1)]
    with FaultProxy(upstream, rules, seed=7) as proxy:
        c = conn(proxy)
        body = data(2 * MIB, seed=3)
        c.request("PUT", "/b/k", body=body)
        r = c.getresponse()
        assert r.status == 200 and r.read() != hashlib.md5(body).hexdigest().encode()
        assert len(flipped(Upstream.received["/b/k"], body)) == 1
        c.request("GET", f"/b/{MIB}")
        assert len(flipped(c.getresponse().read(), data(MIB))) == 1
        c.request("GET", f"/b/{MIB}?chunked")
        assert len(flipped(c.getresponse().read(), data(MIB))) == 1
        c.request("GET", f"/b/{MIB}")  # count=1: the next one is clean
        assert c.getresponse().read() == data(MIB)
        assert [(f["kind"], f["direction"], f["applied"]) for f in proxy.faults()] == [
            ("corrupt", "request", True), ("corrupt", "response", True),
            ("corrupt", "response", True)]


def test_delay_holds_the_request(upstream):
    with FaultProxy(upstream, [Rule("delay", delay=0.3, count=1)]) as proxy:
        c = conn(proxy)
        start = time.monotonic()
        c.request("GET", "/b/1")
        assert c.getresponse().read() == data(1)
        assert time.monotonic() - start >= 0.3


def test_rule_matching_skip_count_and_hooks(upstream):
    seen = []
    rules = [Rule("internal", method="GET", key=r"^dir/", query="partNumber=2", skip=1, count=2),
             Rule("hook", method="DELETE", fn=lambda req: seen.append(req.key) or "drop")]
    with FaultProxy(upstream, rules) as proxy:
        statuses = []
        for _ in range(5):
            c = conn(proxy)
            c.request("GET", "/b/dir/7?uploadId=u&partNumber=2")
            statuses.append(c.getresponse().status)
        c = conn(proxy)
        c.request("GET", "/b/other/7?partNumber=2")
        statuses.append(c.getresponse().status)
        assert statuses == [200, 500, 500, 200, 200, 200]
        c = conn(proxy)
        c.request("DELETE", "/b/some%20key")
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            c.getresponse()
        assert seen == ["some key"]
        assert proxy.stats()["faults"] == 2  # hooks are not faults


def fault_sequence(upstream, seed):
    with FaultProxy(upstream, random_faults=RandomFaults(0.5, kinds=("slowdown", "internal")),
                    seed=seed) as proxy:
        c = conn(proxy)
        for _ in range(40):
            c.request("GET", "/b/1")
            c.getresponse().read()
        return [(f["index"], f["kind"]) for f in proxy.faults()]


def test_random_faults_repeat_with_the_seed(upstream):
    a, b = fault_sequence(upstream, 5), fault_sequence(upstream, 5)
    other = fault_sequence(upstream, 6)
    assert a == b and a != other
    assert 8 <= len(a) <= 32  # about half of 40


def test_counts_requests_in_flight(upstream):
    with FaultProxy(upstream) as proxy:
        threads = []
        for _ in range(6):
            def one():
                c = conn(proxy)
                c.request("GET", "/slow")
                c.getresponse().read()
            threads.append(threading.Thread(target=one))
            threads[-1].start()
        deadline = time.monotonic() + 10
        while proxy.stats()["in_flight"] < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.stats()["in_flight"] == 6
        Upstream.gate.set()
        for t in threads:
            t.join()
        s = proxy.stats()
        assert s["in_flight"] == 0 and s["max_in_flight"] == 6
        assert concurrency(proxy.records(), method="GET") == 6
        assert concurrency(proxy.records(), method="PUT") == 0


def test_an_unreachable_server_is_a_502_not_a_crash():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FaultProxy(f"http://127.0.0.1:{port}") as proxy:
        c = conn(proxy)
        c.request("GET", "/b/k")
        assert c.getresponse().status == 502
        raw = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        raw.sendall(b"NOT HTTP\r\n\r\n")
        raw.recv(100)
        raw.close()
        assert proxy.stats()["requests"] == 1
