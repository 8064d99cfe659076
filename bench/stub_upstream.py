"""A stub upstream for bench/run (issue 12 item 7; standard library only).

Serves GET /items/<id> with {"id": <id>} on 127.0.0.1, from a token bucket of `allowance` ids per
`period` seconds: the bucket holds at most `allowance` tokens and refills continuously at
allowance / period, made faster by `tolerance` (0.1: 10%) so that a client keeping exactly to the
allowance is never refused for a slot that looks a little early from here. A call finding less than
one token is answered 429 (with `Retry-After` when `retry_after` is set). Every call is logged:
(epoch seconds, id, status, period in force). `set_period` changes the allowance while it runs.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubUpstream:
    def __init__(self, allowance=3, period=0.2, tolerance=0.1, retry_after="1"):
        self.allowance, self.period, self.tolerance, self.retry_after = allowance, period, tolerance, retry_after
        self.tokens = float(allowance)
        self.last = time.monotonic()
        self.calls = []  # (epoch seconds, id, status, period)
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the service's client pools its connections

            def do_GET(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) != 2 or parts[0] != "items" or not parts[1].lstrip("-").isdigit():
                    self.answer(404, b'{"error":"not found"}')
                    return
                allowed = stub.take(int(parts[1]))
                if allowed:
                    self.answer(200, json.dumps({"id": int(parts[1])}).encode())
                else:
                    self.answer(429, b'{"error":"too many requests"}',
                                {"Retry-After": stub.retry_after} if stub.retry_after else {})

            def answer(self, code, body, headers=None):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def take(self, item):
        with self.lock:
            now = time.monotonic()
            rate = self.allowance / self.period * (1 + self.tolerance)
            self.tokens = min(float(self.allowance), self.tokens + (now - self.last) * rate)
            self.last = now
            ok = self.tokens >= 1
            if ok:
                self.tokens -= 1
            self.calls.append((time.time(), item, 200 if ok else 429, self.period))
            return ok

    def set_period(self, period):
        with self.lock:
            now = time.monotonic()  # refill at the old rate up to now first
            rate = self.allowance / self.period * (1 + self.tolerance)
            self.tokens = min(float(self.allowance), self.tokens + (now - self.last) * rate)
            self.last = now
            self.period = period

    def snapshot(self):
        with self.lock:
            return list(self.calls)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def slots(calls, window=0.1):
    """Groups calls into slots: a call more than `window` seconds after the first call of the current
    slot opens the next one (slots are at least the interval apart, 200 ms here). Returns
    [(epoch seconds of the slot's first call, [statuses])]."""
    out = []
    for at, _, status, _ in sorted(calls):
        if out and at - out[-1][0] <= window:
            out[-1][1].append(status)
        else:
            out.append((at, [status]))
    return out
