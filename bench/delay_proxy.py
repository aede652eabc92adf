#!/usr/bin/env python3
"""A TCP delay line: the WAN profile's latency, in user space (this kernel has no netem).

  python3 bench/delay_proxy.py --upstream 127.0.0.1:PORT --delay-ms 40 [--listen-port 0]

Listens on 127.0.0.1 and prints the port it listens on (one line on stdout: the
readiness signal). Each accepted connection gets its own connection upstream, and
every chunk read in either direction is written to the other side no earlier than
--delay-ms after it was read (a FIFO delay line per direction), so a request and its
response cost 2 x delay, one RTT. On top of that it emulates:

  - the TCP handshake: bytes a client sends before one RTT has passed since accept
    reach upstream at accept + RTT + delay, so a new connection costs one more RTT
    than a reused one (as on a real link, where connect() returns after one RTT);
  - the window: bytes count against a per-direction window (--window-mib, 8 MiB, a
    typical autotuned Linux TCP window) from the moment they are read until one RTT
    later (delivered after the delay, acknowledged after another); when the window is
    full the proxy stops reading that side, so one connection carries at most
    window / RTT, like a long fat pipe.

It does not emulate loss, jitter, reordering or a bandwidth limit other than the
window. EOF propagates (half-close: after the pending data is delivered, shutdown
of the write side on the other socket); a connection closed or reset on one side is
closed on the other once what was read from it is delivered.
"""
import argparse
import asyncio
import collections
import os
import signal
import socket
import sys

READ_CHUNK = 256 * 1024  # asyncio's selector transports read up to 256 KiB at a time


class Line:
    """One direction of one connection: (release time, bytes or None for EOF) in FIFO
    order, delivered to `dst` (a transport, set once connected) at release time."""

    def __init__(self, pair, name):
        self.pair, self.name = pair, name
        self.queue = collections.deque()
        self.inflight = 0  # bytes read and not yet acknowledged (delivered + delay)
        self.src = self.dst = None  # transports
        self.src_paused = False  # we paused reading src (window full)
        self.dst_blocked = False  # dst's write buffer is above its high-water mark
        self.timer = None
        self.eof_pushed = self.eof_done = False

    def push(self, data):
        p = self.pair
        now = p.loop.time()
        release = now + p.delay
        if self.name == "up" and now < p.accepted + p.rtt:
            release = max(release, p.accepted + p.rtt + p.delay)  # the handshake
        if self.queue:
            release = max(release, self.queue[-1][0])  # FIFO
        self.queue.append((release, data))
        if data is None:
            self.eof_pushed = True
        else:
            self.inflight += len(data)
            if self.inflight >= p.window and not self.src_paused and self.src is not None:
                self.src_paused = True
                self.src.pause_reading()
        self.schedule()

    def schedule(self):
        if self.timer is not None or not self.queue or self.dst is None or self.dst_blocked:
            return
        self.timer = self.pair.loop.call_at(self.queue[0][0], self.deliver)

    def deliver(self):
        self.timer = None
        p = self.pair
        if self.dst is None or self.dst.is_closing():
            return
        now = p.loop.time()
        while self.queue and self.queue[0][0] <= now and not self.dst_blocked:
            _, data = self.queue.popleft()
            if data is None:
                self.eof_done = True
                if self.dst.can_write_eof():
                    self.dst.write_eof()  # after the transport's buffer is flushed
                p.maybe_close()
                return
            self.dst.write(data)  # may call dst_pause() synchronously
            p.loop.call_later(p.delay, self.ack, len(data))
        self.schedule()

    def ack(self, n):
        self.inflight -= n
        if self.src_paused and self.inflight < self.pair.window // 2:
            self.src_paused = False
            if self.src is not None and not self.src.is_closing():
                self.src.resume_reading()

    def dst_pause(self):
        self.dst_blocked = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def dst_resume(self):
        self.dst_blocked = False
        self.schedule()


class Side(asyncio.Protocol):
    """One socket of a pair: what it reads goes into `inbound`; `outbound` writes to it."""

    def __init__(self, pair, inbound, outbound):
        self.pair, self.inbound, self.outbound = pair, inbound, outbound
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.set_write_buffer_limits(high=4 * READ_CHUNK)
        self.inbound.src = transport
        self.outbound.dst = transport
        self.outbound.schedule()

    def data_received(self, data):
        self.inbound.push(data)

    def eof_received(self):
        self.inbound.push(None)
        return True  # keep the write side open (half-close)

    def pause_writing(self):
        self.outbound.dst_pause()

    def resume_writing(self):
        self.outbound.dst_resume()

    def connection_lost(self, exc):
        self.pair.lost(self, exc)


class Pair:
    """One client connection and its upstream connection."""
    count = 0

    def __init__(self, loop, args):
        self.loop, self.args = loop, args
        self.delay = args.delay_ms / 1000
        self.rtt = 2 * self.delay
        self.window = int(args.window_mib * 1024 * 1024)
        self.accepted = loop.time()
        self.up = Line(self, "up")  # client -> upstream
        self.down = Line(self, "down")  # upstream -> client
        self.client = Side(self, self.up, self.down)
        self.server = None
        self.closed = False
        Pair.count += 1
        loop.create_task(self.connect())

    async def connect(self):
        host, port = self.args.upstream.rsplit(":", 1)
        try:
            _, self.server = await self.loop.create_connection(
                lambda: Side(self, self.down, self.up), host, int(port))
        except OSError as e:
            print(f"delay_proxy: upstream {self.args.upstream}: {e}", file=sys.stderr, flush=True)
            self.close()
        if self.closed and self.server is not None and self.server.transport is not None:
            self.server.transport.close()

    def maybe_close(self):
        if self.up.eof_done and self.down.eof_done:
            self.close()

    def lost(self, side, exc):
        if self.closed:
            return
        if exc is not None:  # a reset: no more to deliver in either direction
            self.close(abort=True)
            return
        line = side.inbound
        if not line.eof_pushed:
            line.push(None)  # deliver what was read, then close the other side
        side.outbound.queue.clear()  # nothing can be written to a closed socket
        side.outbound.eof_done = True
        self.maybe_close()

    def close(self, abort=False):
        if self.closed:
            return
        self.closed = True
        Pair.count -= 1
        for line in (self.up, self.down):
            if line.timer is not None:
                line.timer.cancel()
        for side in (self.client, self.server):
            if side is not None and side.transport is not None:
                (side.transport.abort if abort else side.transport.close)()


async def serve(args):
    loop = asyncio.get_running_loop()

    def accept():
        return Pair(loop, args).client
    server = await loop.create_server(accept, "127.0.0.1", args.listen_port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=40, help="one way")
    parser.add_argument("--listen-port", type=int, default=0)
    parser.add_argument("--window-mib", type=float, default=8,
                        help="bytes in flight per direction per connection")
    args = parser.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
