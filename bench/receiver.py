"""A webhook receiver for bench/run (BENCH_ONLY=webhooks; standard library only).

Receiver listens on 127.0.0.1 (a threaded HTTP/1.1 server with keep-alive: the service's HTTP
client pools its connections) and, for every POST, takes the time the body was read in full,
verifies the Standard Webhooks signature over the raw body (base64 HMAC-SHA256 of
"<webhook-id>.<webhook-timestamp>.<body>" with the base64-decoded key after `whsec_`; any of the
space-separated `v1,` signatures may match; a webhook-timestamp more than 5 minutes from now is
refused like a bad signature), parses the body, and answers what its script says (`answer`: a
function of the arrival time giving (status, headers); 200 by default). Each request is recorded:

    (arrival epoch s, webhook-id, type, event time epoch s (the payload's "timestamp"), status
     answered, signature good, ingestion id)

Duplicates are counted by webhook-id: a request for an id that was already answered 2xx.

    receiver = Receiver(secret).start()
    url = receiver.url            # http://127.0.0.1:<port>/hook
    receiver.answer = Receiver.unavailable_until(t)   # 503 + Retry-After: <HTTP date of t> until t
    ...
    receiver.stop()
"""

import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300


def event_time(text):
    """The payload's "timestamp" (ISO-8601, `Z`, microseconds) as epoch seconds."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(text).timestamp()


class Receiver:
    def __init__(self, secret, host="127.0.0.1", port=0):
        if not secret.startswith("whsec_"):
            raise ValueError("the secret must start with whsec_")
        self.key = base64.b64decode(secret[len("whsec_"):])
        self.lock = threading.Lock()
        self.records = []  # (arrival, webhook_id, type, event_at, status, signature_ok, ingestion_id)
        self.delivered_ids = set()  # answered 2xx
        self.duplicates = 0  # requests for a webhook-id already answered 2xx
        self.bad_signatures = 0
        self.bad_requests = 0  # missing headers or a body that is not the expected JSON
        self.answer = Receiver.always(200)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                arrival = time.time()
                status, headers = receiver.answer(arrival)
                receiver.receive(arrival, self.headers, body, status)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_):  # quiet
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        self.thread = None

    # ---- scripts ------------------------------------------------------------------------------

    @staticmethod
    def always(status, headers=None):
        return lambda arrival: (status, headers or {})

    @staticmethod
    def unavailable_until(t):
        """503 with `Retry-After: <HTTP date of t>` (t: whole epoch seconds) before t, then 200."""
        retry_after = email.utils.formatdate(t, usegmt=True)
        return lambda arrival: (503, {"Retry-After": retry_after}) if arrival < t else (200, {})

    # ---- lifecycle ----------------------------------------------------------------------------

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="webhook-receiver", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # ---- one request --------------------------------------------------------------------------

    def verify(self, webhook_id, timestamp, body, signatures):
        try:
            if abs(time.time() - int(timestamp)) > TOLERANCE_S:
                return False
        except ValueError:
            return False
        expected = base64.b64encode(hmac.new(self.key, f"{webhook_id}.{timestamp}.".encode() + body,
                                             hashlib.sha256).digest())
        return any(s.startswith("v1,") and hmac.compare_digest(expected, s[3:].encode())
                   for s in signatures.split(" "))

    def receive(self, arrival, headers, body, status):
        webhook_id = headers.get("webhook-id")
        timestamp = headers.get("webhook-timestamp")
        signatures = headers.get("webhook-signature")
        ok = bool(webhook_id and timestamp and signatures) and self.verify(webhook_id, timestamp, body, signatures)
        kind, at, ingestion = None, None, None
        try:
            doc = json.loads(body)
            kind, at, ingestion = doc["type"], event_time(doc["timestamp"]), doc["data"]["ingestion_id"]
        except (ValueError, KeyError, TypeError):
            pass
        with self.lock:
            if not ok:
                self.bad_signatures += 1
            if kind is None or webhook_id is None:
                self.bad_requests += 1
            if 200 <= status < 300:
                if webhook_id in self.delivered_ids:
                    self.duplicates += 1
                else:
                    self.delivered_ids.add(webhook_id)
            self.records.append((arrival, webhook_id, kind, at, status, ok, ingestion))

    # ---- reading ------------------------------------------------------------------------------

    def snapshot(self):
        with self.lock:
            return {"records": list(self.records), "delivered": len(self.delivered_ids),
                    "duplicates": self.duplicates, "bad_signatures": self.bad_signatures,
                    "bad_requests": self.bad_requests}

    def delivered(self):
        with self.lock:
            return len(self.delivered_ids)


if __name__ == "__main__":  # a self-check against the Standard Webhooks spec's published test vector
    r = Receiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    ok = r.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", str(int(time.time())), body, "v1,x")
    assert not ok
    # the vector's timestamp is 1614265330; checked without the tolerance
    expected = base64.b64encode(hmac.new(r.key, b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330." + body,
                                         hashlib.sha256).digest()).decode()
    assert expected == "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", expected
    print("the spec's test vector: ok")
