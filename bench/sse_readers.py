"""Open server-sent event streams that really read (bench/run, BENCH_ONLY=dashboard; standard library only).

SseReaders opens n GET /events streams on raw sockets and reads all of them in one thread through
epoll (selectors): every byte the service sends is taken as soon as it arrives, the chunked
transfer coding is undone, and each stream counts the frames it received by kind (`event:` name;
a comment such as `: heartbeat` counts as a comment). A stream that the service ends (the
terminating chunk, or the connection closed) is counted as closed: the service drops a viewer
that falls 256 events behind, so a closed stream here means the readers did not keep up, or the
service dropped one that did.

`path` is /events (the dashboard's stream) unless given; a list of paths opens stream i on
path[i % len(path)], e.g. one GET /status/{id}/events per ingestion (BENCH_ONLY=webhooks).

    readers = SseReaders("127.0.0.1", port, 200).start()
    readers.await_first("queue", timeout=30)   # every stream has had its first queue event
    before = readers.snapshot()
    ...
    after = readers.snapshot()
    readers.stop()
"""

import selectors
import socket
import threading
import time


class _Stream:
    """One stream: its socket, the bytes not decoded yet, and what it has counted."""

    __slots__ = ("sock", "raw", "head_done", "chunked", "chunk_left", "text", "counts", "closed", "bytes", "error")

    def __init__(self, sock):
        self.sock = sock
        self.raw = b""  # received, not decoded yet (the response head, a chunk-size line, ...)
        self.head_done = False
        self.chunked = False
        self.chunk_left = 0  # bytes of the current chunk's data still to come; -1: its CRLF; -2: the end
        self.text = b""  # decoded, not a whole frame yet
        self.counts = {}
        self.closed = False
        self.bytes = 0
        self.error = None


class SseReaders:
    def __init__(self, host, port, n, path="/events", headers=None, connect_timeout=10):
        self.host, self.port, self.n, self.path = host, port, n, path
        self.headers = headers or {}
        self.connect_timeout = connect_timeout
        self.streams = []
        self.lock = threading.Lock()
        self.sel = selectors.DefaultSelector()
        self.running = False
        self.thread = None

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self):
        paths = list(self.path) if isinstance(self.path, (list, tuple)) else [self.path]
        requests = [(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: text/event-stream\r\n"
                     + "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n").encode()
                    for path in paths]
        for i in range(self.n):
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(requests[i % len(requests)])
            sock.setblocking(False)
            stream = _Stream(sock)
            with self.lock:
                self.streams.append(stream)
                self.sel.register(sock, selectors.EVENT_READ, stream)
        # one thread reads them all, started once every stream is open (what came meanwhile waits
        # in the sockets' buffers)
        self.running = True
        self.thread = threading.Thread(target=self._loop, name="sse-readers", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.running = False
        if self.thread:
            self.thread.join(5)
        with self.lock:
            for stream in self.streams:
                try:
                    self.sel.unregister(stream.sock)
                except (KeyError, ValueError):
                    pass
                stream.sock.close()
        self.sel.close()

    def await_first(self, kind, timeout):
        """Waits until every stream has received at least one `kind` event; False on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if all(s.counts.get(kind, 0) > 0 or s.closed for s in self.streams):
                    return not any(s.closed for s in self.streams)
            time.sleep(0.05)
        return False

    def snapshot(self):
        """Per stream: a copy of its counts by kind; plus how many streams are closed, and any error."""
        with self.lock:
            return {
                "counts": [dict(s.counts) for s in self.streams],
                "bytes": sum(s.bytes for s in self.streams),
                "closed": sum(1 for s in self.streams if s.closed),
                "errors": [s.error for s in self.streams if s.error][:5],
                "at": time.monotonic(),
            }

    # ---- reading ----------------------------------------------------------------------------

    def _loop(self):
        while self.running:
            with self.lock:
                empty = not self.sel.get_map()
            if empty:
                time.sleep(0.01)
                continue
            for key, _ in self.sel.select(0.2):
                stream = key.data
                try:
                    data = stream.sock.recv(262144)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:
                    data = b""
                    stream.error = f"recv: {e}"
                with self.lock:
                    if data:
                        stream.bytes += len(data)
                        self._feed(stream, data)
                    if not data or stream.closed:
                        stream.closed = True
                        try:
                            self.sel.unregister(stream.sock)
                        except (KeyError, ValueError):
                            pass

    def _feed(self, s, data):
        s.raw += data
        if not s.head_done:
            end = s.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = s.raw[:end].decode("latin-1").split("\r\n")
            s.raw = s.raw[end + 4:]
            s.head_done = True
            if " 200 " not in head[0] + " ":
                s.error = f"answered {head[0]}"
                s.closed = True
                return
            s.chunked = any(h.lower().replace(" ", "") == "transfer-encoding:chunked" for h in head[1:])
        if not s.chunked:
            s.text += s.raw
            s.raw = b""
        else:
            self._dechunk(s)
        self._frames(s)

    def _dechunk(self, s):
        raw = s.raw
        at = 0
        while at < len(raw):
            if s.chunk_left > 0:
                take = min(s.chunk_left, len(raw) - at)
                s.text += raw[at:at + take]
                at += take
                s.chunk_left -= take
                if s.chunk_left == 0:
                    s.chunk_left = -1
            elif s.chunk_left == -1:  # the CRLF after a chunk's data
                if len(raw) - at < 2:
                    break
                at += 2
                s.chunk_left = 0
            elif s.chunk_left == -2:  # after the last chunk: nothing more counts
                at = len(raw)
            else:  # a chunk-size line
                end = raw.find(b"\r\n", at)
                if end < 0:
                    break
                size = int(raw[at:end].split(b";")[0], 16)
                at = end + 2
                if size == 0:
                    s.chunk_left = -2
                    s.closed = True
                else:
                    s.chunk_left = size
        s.raw = raw[at:]

    @staticmethod
    def _frames(s):
        text = s.text.replace(b"\r\n", b"\n") if b"\r" in s.text else s.text
        *frames, rest = text.split(b"\n\n")
        s.text = rest
        for frame in frames:
            frame = frame.lstrip(b"\n")
            if not frame:
                continue
            if frame.startswith(b":"):
                kind = "comment"
            else:
                kind = "message"
                for line in frame.split(b"\n"):
                    if line.startswith(b"event:"):
                        kind = line[6:].strip().decode("utf-8", "replace")
                        break
            s.counts[kind] = s.counts.get(kind, 0) + 1


if __name__ == "__main__":  # a try by hand: python3 bench/sse_readers.py PORT [N] [SECONDS]
    import sys
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    r = SseReaders("127.0.0.1", port, n).start()
    print("all streams had a queue event:", r.await_first("queue", 30))
    a = r.snapshot()
    time.sleep(seconds)
    b = r.snapshot()
    r.stop()
    totals = {}
    for ca, cb in zip(a["counts"], b["counts"]):
        for k, v in cb.items():
            totals[k] = totals.get(k, 0) + v - ca.get(k, 0)
    print({k: round(v / n / seconds, 2) for k, v in totals.items()}, "per stream per s;", b["closed"], "closed",
          b["errors"])
