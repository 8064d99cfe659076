#!/usr/bin/env python3
"""Rows 9 of bench/run (BENCH_ONLY=webhooks; issue 15 point 5; standard library only).

bench/run builds the jar (and starts PostgreSQL when BENCH_STORES names it) and calls this with
what it prepared. Per store, as bench.py does it: the service started the way the README starts
it (bin/ingestion-service on the jar bench/run built, free port, fresh data folder), with
INGEST_WEBHOOK_SECRET=whsec_<base64 of 32 random bytes, new each run> and
INGEST_WEBHOOK_ALLOW_PRIVATE=true, and a receiver in this process (bench/receiver.py) that
verifies every signature with Python's hmac and counts duplicates by webhook-id.

(a) steady state: INGEST_INTERVAL=10ms, INGEST_UPSTREAM_DELAY=5ms; a feeder keeps about 300
    single-batch ingestions of 3 ids waiting, each with callback_url at the receiver and
    callback_events ["batch.completed", "ingestion.completed"]; after a warm-up, a window of
    --seconds: webhooks delivered per second, and the delay from the event to its arrival at the
    receiver (arrival minus the payload's "timestamp") p50 / p99 / max, beside the service's own
    ingest_webhook_delay_seconds quantiles; then the feeder stops, every offered webhook must
    arrive, and the deliveries of a sample of ingestions are read back (GET
    /ingestions/{id}/deliveries): all delivered, at the first attempt.
(b) backlog drain, same service: the receiver answers 503 with `Retry-After: <HTTP date T>`,
    T --backlog-seconds ahead, to every request before T, then 200. The feeder runs until 8 s
    before T, so every event of the backlog has had its 503 by T and is due at T: the drain after
    T is the deliverer's own ceiling (INGEST_WEBHOOK_SENDERS, 16 by default).
(c) event streams: a second service with INGEST_INTERVAL=500ms (no webhooks asked for); one
    ingestion of 3,000 ids (1,000 batches: 500 s of work at 500 ms) and --streams - 1 of 3 ids
    queued behind it, so that every one is still running or waiting over the windows; the
    service's CPU seconds (/proc/<pid>/stat), RSS (VmRSS), heap used (jvm_memory_used_bytes
    {area="heap"}) and live threads (jvm_threads_live_threads), sampled every 5 s over a window
    of --seconds with no stream, then with one GET /status/{id}/events stream per ingestion
    (bench/sse_readers.py: one thread, epoll), then with none again.
"""

import argparse
import base64
import datetime
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import bench
from bench import KeepAlive, Service, batch_starts, cleanup, cpu_seconds, log, machine_facts, percentile, verdict, \
    watch_parent
from receiver import Receiver
from sse_readers import SseReaders

HOOK_INTERVAL_MS = 10
HOOK_UPSTREAM_DELAY_MS = 5
HOOK_WARMUP_S = 20
HOOK_WAITING = 300  # batches the feeder keeps waiting
HOOK_EVENTS = ["batch.completed", "ingestion.completed"]
HOOK_SAMPLE = 100  # ingestions whose deliveries are read back
BACKLOG_STOP_BEFORE_S = 8
STREAM_INTERVAL_MS = 500
STREAM_UPSTREAM_DELAY_MS = 20
STREAM_RUNNER_IDS = 3000
STREAM_SETTLE_S = 20
STREAM_OPEN_SETTLE_S = 10
SAMPLE_EVERY_S = 5
ARGS = None


# ---- helpers ----------------------------------------------------------------------------------

def metrics_text(svc):
    with urllib.request.urlopen(svc.base + "/metrics", timeout=10) as r:
        return r.read().decode()


def metric(text, name, **labels):
    """The sum of the samples of `name` whose labels include `labels` (None when there is none)."""
    total, found = 0.0, False
    for m in re.finditer(r"^" + re.escape(name) + r"(?:\{([^}]*)\})? ([0-9.eE+-]+|NaN)$", text, re.M):
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1) or ""))
        if all(have.get(k) == v for k, v in labels.items()) and m.group(2) != "NaN":
            total += float(m.group(2))
            found = True
    return total if found else None


def others_running():
    """Other benchmarks on the machine (bench/run or wrk not started by this run)."""
    mine = {os.getpid(), os.getppid()}
    out = subprocess.run(["pgrep", "-af", "bench/run|wrk "], capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if line.split(" ", 1)[0].isdigit() and int(line.split(" ", 1)[0]) not in mine and "pgrep" not in line]


def conditions(r, part):
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    others = others_running()
    r.setdefault("conditions", {})[part] = {"load": load, "others": others}
    log(f"{part}: load average {load}" + (f"; other benchmarks running: {others}" if others else ""))


def ingest_body(callback_url=None, n=3, first=1):
    doc = {"ids": list(range(first, first + n)), "priority": "MEDIUM"}
    if callback_url:
        doc.update({"callback_url": callback_url, "callback_events": HOOK_EVENTS})
    return json.dumps(doc)


def post(api, body):
    status, answer, _ = api.request("POST", "/ingest", body)
    if status != 200:
        raise RuntimeError(f"POST /ingest answered {status}: {answer[:300]!r}")
    return json.loads(answer)["ingestion_id"]


def waiting_batches(api):
    return sum(w["batches"] for w in api.json("GET", "/queue")["waiting"].values())


class Feeder:
    """Keeps about HOOK_WAITING batches waiting: reads GET /queue every 0.2 s and tops it up."""

    def __init__(self, svc, body):
        self.svc, self.body = svc, body
        self.posted = []
        self.running = False
        self.error = None
        self.thread = None

    def start(self):
        self.running = True
        self.thread = threading.Thread(target=self._run, name="feeder", daemon=True)
        self.thread.start()
        return self

    def _run(self):
        api = KeepAlive(self.svc)
        try:
            while self.running:
                for _ in range(min(150, max(0, HOOK_WAITING - waiting_batches(api)))):
                    self.posted.append(post(api, self.body))
                time.sleep(0.2)
        except Exception as e:  # reported by stop()
            self.error = e
        finally:
            api.close()

    def stop(self):
        self.running = False
        self.thread.join(30)
        if self.error:
            raise RuntimeError(f"the feeder failed: {self.error}")
        return self.posted


def await_quiet(svc, api, receiver, expected_ids, timeout):
    """Waits until the queue is empty and `expected_ids` webhooks have been delivered."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if receiver.delivered() >= expected_ids and waiting_batches(api) == 0:
            return True
        time.sleep(0.5)
    return False


def store_env(args, store, folder, database):
    if store == "h2":
        return {"INGEST_DB_URL": "jdbc:h2:file:" + os.path.join(folder, "data", "ingest")}
    if database != "postgres":
        # a database of its own: the store keeps the interval it was first used with, and refuses
        # an instance started with another (over JDBC with H2's shell, which has both drivers)
        out = subprocess.run([args.java, "-cp", args.classpath, "org.h2.tools.Shell", "-url",
                              f"jdbc:postgresql://{args.pg_host_port}/postgres", "-user", args.pg_user, "-password",
                              args.pg_password, "-sql", f"CREATE DATABASE {database}"],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"CREATE DATABASE {database} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return {"INGEST_DB_URL": f"jdbc:postgresql://{args.pg_host_port}/{database}", "INGEST_DB_USER": args.pg_user,
            "INGEST_DB_PASSWORD": args.pg_password}


def start_service(args, name, store, env, database="postgres"):
    folder = os.path.join(args.work, f"service-{name}")
    os.makedirs(folder)
    svc = Service(args, name, {**store_env(args, store, folder, database), **env}, folder)
    startup = svc.await_healthy()
    log(f"{name}: healthy after {startup:.1f} s (java {svc.jvm_options()})")
    return svc


# ---- (a) and (b) --------------------------------------------------------------------------------

def bench_webhooks(args, store, r):
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    receiver = Receiver(secret).start()
    env = {"INGEST_INTERVAL": f"{HOOK_INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{HOOK_UPSTREAM_DELAY_MS}ms",
           "INGEST_WEBHOOK_SECRET": secret, "INGEST_WEBHOOK_ALLOW_PRIVATE": "true"}
    if args.senders:
        env["INGEST_WEBHOOK_SENDERS"] = str(args.senders)
    log(f"{store}: bin/ingestion-service with INGEST_INTERVAL={HOOK_INTERVAL_MS}ms, "
        f"INGEST_UPSTREAM_DELAY={HOOK_UPSTREAM_DELAY_MS}ms, webhooks on; receiver at {receiver.url}")
    svc = start_service(args, f"{store}-webhooks", store, env)
    r["jvm_options"] = svc.jvm_options()
    api = KeepAlive(svc)
    body = ingest_body(receiver.url)
    feeder = None
    try:
        # (a) steady state
        conditions(r, "a")
        feeder = Feeder(svc, body).start()
        log(f"{store}: (a) feeding single-batch ingestions with callbacks ({HOOK_WAITING} batches kept waiting); "
            f"{HOOK_WARMUP_S} s of warm-up, then {args.seconds} s measured")
        time.sleep(HOOK_WARMUP_S)
        starts0, cpu0, t0 = batch_starts(svc), cpu_seconds(svc.proc.pid), time.time()
        time.sleep(args.seconds)
        t1, cpu1, starts1 = time.time(), cpu_seconds(svc.proc.pid), batch_starts(svc)
        text = metrics_text(svc)
        a = {"seconds": t1 - t0, "starts_s": (starts1 - starts0) / (t1 - t0), "cpu_per_min": (cpu1 - cpu0) / (t1 - t0) * 60,
             "metric_p50": metric(text, "ingest_webhook_delay_seconds", quantile="0.5"),
             "metric_p99": metric(text, "ingest_webhook_delay_seconds", quantile="0.99"),
             "metric_max": metric(text, "ingest_webhook_delay_seconds_max"),
             "attempt_p99": metric(text, "ingest_webhook_attempt_seconds", quantile="0.99")}
        posted = feeder.stop()
        feeder = None
        a["ingestions"] = len(posted)
        a["expected"] = len(posted) * len(HOOK_EVENTS)
        log(f"{store}: (a) feeder stopped after {len(posted):,} ingestions; waiting for their "
            f"{a['expected']:,} webhooks")
        a["all_arrived"] = await_quiet(svc, api, receiver, a["expected"], 900)
        snap = receiver.snapshot()
        ok = [x for x in snap["records"] if 200 <= x[4] < 300]
        inside = sorted(x[0] - x[3] for x in ok if t0 <= x[0] < t1)
        every = sorted(x[0] - x[3] for x in ok)
        a.update({"window_delivered": len(inside), "rate": len(inside) / (t1 - t0),
                  "p50": percentile(inside, 50), "p99": percentile(inside, 99), "max": inside[-1],
                  "all_p99": percentile(every, 99), "all_max": every[-1],
                  "delivered": snap["delivered"], "requests": len(snap["records"]),
                  "non_2xx": len(snap["records"]) - len(ok),
                  "duplicates": snap["duplicates"], "bad_signatures": snap["bad_signatures"],
                  "bad_requests": snap["bad_requests"]})
        # the store's word on a sample spread over the run
        step = max(1, len(posted) // HOOK_SAMPLE)
        sample = posted[::step][:HOOK_SAMPLE]
        states, first_attempt, durations = {}, 0, []
        for ingestion_id in sample:
            doc = api.json("GET", f"/ingestions/{ingestion_id}/deliveries")
            for d in doc["deliveries"]:
                states[d["state"]] = states.get(d["state"], 0) + 1
                first_attempt += d["state"] == "delivered" and d["attempts"] == 1
                durations += [h["duration_ms"] for h in d["history"]]
        durations.sort()
        text = metrics_text(svc)
        a.update({"sample": len(sample), "sample_states": states, "sample_first_attempt": first_attempt,
                  "attempt_ms_p50": percentile(durations, 50), "attempt_ms_max": durations[-1],
                  "metric_delivered": metric(text, "ingest_webhook_attempts_total", outcome="delivered") or 0,
                  "metric_retried": metric(text, "ingest_webhook_attempts_total", outcome="pending") or 0,
                  "pending": metric(text, "ingest_webhook_pending")})
        r["a"] = a
        log(f"{store}: (a) {a['rate']:.1f} webhooks/s ({a['starts_s']:.1f} batch starts/s); delay p50 "
            f"{a['p50'] * 1000:.0f} ms, p99 {a['p99'] * 1000:.0f} ms, max {a['max'] * 1000:.0f} ms (service: p50 "
            f"{(a['metric_p50'] or 0) * 1000:.0f} ms, p99 {(a['metric_p99'] or 0) * 1000:.0f} ms); "
            f"{a['delivered']:,} of {a['expected']:,} delivered, {a['duplicates']} duplicates, "
            f"{a['bad_signatures']} bad signatures; sample: {states}, attempts p50 {a['attempt_ms_p50']} ms, max "
            f"{a['attempt_ms_max']} ms (the deliveries' history)")

        # (b) backlog drain
        conditions(r, "b")
        mark = len(receiver.snapshot()["records"])
        delivered_before = receiver.delivered()
        t_open = math.ceil(time.time()) + args.backlog_seconds
        receiver.answer = Receiver.unavailable_until(t_open)
        log(f"{store}: (b) the receiver answers 503 with Retry-After: "
            f"{datetime.datetime.fromtimestamp(t_open, datetime.timezone.utc):%H:%M:%S} UTC "
            f"({args.backlog_seconds} s ahead) to every request until then; feeding until {BACKLOG_STOP_BEFORE_S} s "
            f"before it")
        feeder = Feeder(svc, body).start()
        time.sleep(max(0, t_open - BACKLOG_STOP_BEFORE_S - time.time()))
        posted_b = feeder.stop()
        feeder = None
        api_quiet = time.time()
        while waiting_batches(api) > 0 and time.time() < t_open - 1:
            time.sleep(0.2)
        time.sleep(max(0, t_open - 1 - time.time()))
        pending_at_t = metric(metrics_text(svc), "ingest_webhook_pending")
        cpu_t, own_t = cpu_seconds(svc.proc.pid), time.process_time()
        before = receiver.snapshot()["records"][mark:]
        refused = {x[1] for x in before if x[4] == 503}
        b = {"ingestions": len(posted_b), "expected": len(posted_b) * len(HOOK_EVENTS), "refused": len(refused),
             "pending_at_t": pending_at_t, "queue_empty_before_t": waiting_batches(api) == 0,
             "t": t_open, "fed_s": api_quiet - (t_open - args.backlog_seconds)}
        log(f"{store}: (b) {b['ingestions']:,} ingestions fed; {b['refused']:,} of their {b['expected']:,} webhooks "
            f"answered 503 before T "
            f"(ingest_webhook_pending {pending_at_t:.0f} at T - 1 s); waiting for the drain")
        end = time.monotonic() + args.drain_timeout
        while time.monotonic() < end and receiver.delivered() < delivered_before + b["expected"]:
            time.sleep(0.25)
        time.sleep(1)
        cpu_end, own_end = cpu_seconds(svc.proc.pid), time.process_time()
        snap = receiver.snapshot()
        after = snap["records"][mark:]
        first_ok = {}
        for x in after:
            if 200 <= x[4] < 300 and x[1] not in first_ok:
                first_ok[x[1]] = x[0]
        # every webhook of (b) not delivered before T is the backlog: those answered 503, and those
        # whose first attempt had not come by then (the deliverer behind its events)
        drained = sorted(first_ok.values())
        b.update({"drained": len(drained), "never_tried_before_t": b["expected"] - len(refused),
                  "delivered": snap["delivered"] - delivered_before,
                  "duplicates": snap["duplicates"] - a["duplicates"],
                  "bad_signatures": snap["bad_signatures"] - a["bad_signatures"],
                  "early": sum(1 for t in drained if t < t_open),
                  "refusals_per_id": len([x for x in after if x[4] == 503]) / max(1, len(refused))})
        if drained:
            last = drained[-1]
            b["first_after"] = drained[0] - t_open
            b["drain_s"] = last - t_open
            b["rate"] = len(drained) / max(1e-3, last - t_open)
            lo, hi = drained[len(drained) // 10], drained[len(drained) * 9 // 10]
            b["rate_10_90"] = (len(drained) * 8 // 10) / max(1e-3, hi - lo)
            per_s = {}
            for t in drained:
                per_s[int(t - t_open)] = per_s.get(int(t - t_open), 0) + 1
            b["peak_1s"] = max(per_s.values())
            b["per_s"] = [per_s.get(i, 0) for i in range(int(last - t_open) + 1)]
            b["idle_s"] = sum(1 for n in b["per_s"] if n == 0)
            b["service_cpu_share"] = (cpu_end - cpu_t) / (last + 1 - (t_open - 1))
            b["bench_cpu_share"] = (own_end - own_t) / (last + 1 - (t_open - 1))
        text = metrics_text(svc)
        b["pending_end"] = metric(text, "ingest_webhook_pending")
        b["attempt_p50"] = metric(text, "ingest_webhook_attempt_seconds", quantile="0.5")
        b["attempt_p99"] = metric(text, "ingest_webhook_attempt_seconds", quantile="0.99")
        r["b"] = b
        log(f"{store}: (b) {b['drained']:,} of a backlog of {b['expected']:,} delivered after T in "
            f"{b.get('drain_s', float('nan')):.1f} s: {b.get('rate', 0):.0f}/s (10-90%: {b.get('rate_10_90', 0):.0f}/s, "
            f"peak second {b.get('peak_1s', 0)}); duplicates {b['duplicates']}, bad signatures {b['bad_signatures']}; "
            f"pending at the end {b['pending_end']}; per second after T: {b.get('per_s')}; attempts (ingest_webhook_attempt_seconds) p50 "
            f"{ms(b['attempt_p50'])}, p99 {ms(b['attempt_p99'])}")
    finally:
        if feeder:
            feeder.running = False
        api.close()
        svc.stop()
        receiver.stop()


# ---- (c) ----------------------------------------------------------------------------------------

def jvm_sample(svc):
    text = metrics_text(svc)
    return {"heap": (metric(text, "jvm_memory_used_bytes", area="heap") or 0) / 1024 / 1024,
            "threads": metric(text, "jvm_threads_live_threads") or 0, "rss": svc.rss()}


def window(svc, seconds, readers=None):
    """CPU over `seconds`; heap used, live threads and RSS sampled every SAMPLE_EVERY_S."""
    samples = []
    starts0 = batch_starts(svc)
    snap0 = readers.snapshot() if readers else None
    cpu0, t0, own0 = cpu_seconds(svc.proc.pid), time.monotonic(), time.process_time()
    while time.monotonic() - t0 < seconds:
        samples.append(jvm_sample(svc))
        time.sleep(min(SAMPLE_EVERY_S, max(0, seconds - (time.monotonic() - t0))))
    cpu1, t1, own1 = cpu_seconds(svc.proc.pid), time.monotonic(), time.process_time()
    snap1 = readers.snapshot() if readers else None
    w = {"seconds": t1 - t0, "cpu_per_min": (cpu1 - cpu0) / (t1 - t0) * 60,
         "starts_s": (batch_starts(svc) - starts0) / (t1 - t0), "end": jvm_sample(svc),
         "heap_mean": sum(s["heap"] for s in samples) / len(samples), "heap_max": max(s["heap"] for s in samples),
         "threads_max": max(s["threads"] for s in samples), "rss_max": max(s["rss"] for s in samples)}
    if readers:
        w["readers_cpu_per_min"] = (own1 - own0) / (t1 - t0) * 60
        w["closed"] = snap1["closed"]
        w["errors"] = snap1["errors"]
        comments = [b.get("comment", 0) - a.get("comment", 0) for a, b in zip(snap0["counts"], snap1["counts"])]
        events = [sum(v - a.get(k, 0) for k, v in b.items() if k != "comment")
                  for a, b in zip(snap0["counts"], snap1["counts"])]
        w["no_heartbeat"] = sum(1 for c in comments if c == 0)
        w["events"] = sum(events)
        w["streams_with_events"] = sum(1 for e in events if e)
        w["bytes"] = snap1["bytes"] - snap0["bytes"]
    w["live_heap"] = live_heap(svc)
    return w


def live_heap(svc):
    """Heap used right after a full collection (jcmd GC.run), outside the CPU windows: what is live."""
    out = subprocess.run(["jcmd", str(svc.proc.pid), "GC.run"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        return None
    time.sleep(1)
    return (metric(metrics_text(svc), "jvm_memory_used_bytes", area="heap") or 0) / 1024 / 1024


def heads(readers):
    with readers.lock:
        return sum(1 for s in readers.streams if s.head_done and not s.error)


def bench_streams(args, store, r):
    env = {"INGEST_INTERVAL": f"{STREAM_INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{STREAM_UPSTREAM_DELAY_MS}ms"}
    log(f"{store}: bin/ingestion-service with INGEST_INTERVAL={STREAM_INTERVAL_MS}ms, "
        f"INGEST_UPSTREAM_DELAY={STREAM_UPSTREAM_DELAY_MS}ms for {args.streams:,} event streams")
    svc = start_service(args, f"{store}-streams", store, env, database="streams")
    r.setdefault("jvm_options", svc.jvm_options())
    api = KeepAlive(svc)
    readers = None
    c = {}
    try:
        conditions(r, "c")
        ids = [post(api, ingest_body(n=STREAM_RUNNER_IDS))]
        ids += [post(api, ingest_body(first=i * 3 + 1)) for i in range(args.streams - 1)]
        log(f"{store}: (c) {len(ids):,} ingestions posted (the first of {STREAM_RUNNER_IDS:,} ids, the others of 3, "
            f"behind it); {STREAM_SETTLE_S} s, then {args.seconds} s with no stream")
        time.sleep(STREAM_SETTLE_S)
        c["none"] = window(svc, args.seconds)
        w = c["none"]
        log(f"{store}: (c) no stream: {w['cpu_per_min']:.2f} CPU s/min, RSS {w['end']['rss']:.0f} MB, heap mean "
            f"{w['heap_mean']:.0f} MB (after a full GC {w['live_heap']:.0f} MB), {w['end']['threads']:.0f} threads")
        opened = time.monotonic()
        readers = SseReaders("127.0.0.1", svc.port, len(ids), path=[f"/status/{i}/events" for i in ids]).start()
        c["open_s"] = time.monotonic() - opened
        end = time.monotonic() + 60
        while heads(readers) < len(ids) and time.monotonic() < end:
            time.sleep(0.1)
        c["heads"] = heads(readers)
        c["heads_s"] = time.monotonic() - opened
        if c["heads"] < len(ids):
            snap = readers.snapshot()
            raise RuntimeError(f"only {c['heads']} of {len(ids)} streams answered 200 within 60 s "
                               f"({snap['closed']} closed; {snap['errors']})")
        log(f"{store}: (c) {len(ids):,} GET /status/{{id}}/events streams open (connected in {c['open_s']:.1f} s, "
            f"every head in {c['heads_s']:.1f} s); {STREAM_OPEN_SETTLE_S} s, then {args.seconds} s measured")
        time.sleep(STREAM_OPEN_SETTLE_S)
        c["streams"] = window(svc, args.seconds, readers)
        w = c["streams"]
        log(f"{store}: (c) {len(ids):,} streams: {w['cpu_per_min']:.2f} CPU s/min, RSS {w['end']['rss']:.0f} MB, "
            f"heap mean {w['heap_mean']:.0f} MB (after a full GC {w['live_heap']:.0f} MB), {w['end']['threads']:.0f} "
            f"threads (most {w['threads_max']:.0f}); {w['closed']} closed, "
            f"{w['no_heartbeat']} without a heartbeat in the window, {w['events']} events; readers "
            f"{w['readers_cpu_per_min']:.2f} CPU s/min")
        readers.stop()
        readers = None
        time.sleep(STREAM_OPEN_SETTLE_S)
        c["after"] = window(svc, args.seconds)
        w = c["after"]
        log(f"{store}: (c) no stream again: {w['cpu_per_min']:.2f} CPU s/min, RSS {w['end']['rss']:.0f} MB, heap mean "
            f"{w['heap_mean']:.0f} MB, {w['end']['threads']:.0f} threads")
        status = api.json("GET", f"/status/{ids[0]}")
        c["runner_open"] = any(b["status"] != "completed" for b in status["batches"])
        c["streams_n"] = len(ids)
    finally:
        if readers:
            readers.stop()
        api.close()
        svc.stop()
    r["c"] = c


# ---- the table ----------------------------------------------------------------------------------

def ms(seconds):
    return "n/a" if seconds is None else f"{seconds * 1000:,.0f} ms"


def rows(results, stores):
    names = {"h2": "embedded (H2 file)", "postgres": "PostgreSQL"}
    cols = [s for s in stores if s in results]
    out = ["| # | what | target | " + " | ".join(names[s] for s in cols) + " |", "|---|---|---|" + "---|" * len(cols)]

    def row(what, target, cell):
        def safe(s):
            try:
                return cell(results[s])
            except (KeyError, TypeError, ZeroDivisionError):
                return "n/a"
        out.append(f"| 9 | {what} | {target} | " + " | ".join(safe(s) for s in cols) + " |")

    def a_rate(r):
        a = r["a"]
        good = (a["all_arrived"] and a["delivered"] == a["expected"] and a["duplicates"] == 0
                and a["bad_signatures"] == 0 and a["bad_requests"] == 0 and a["non_2xx"] == 0
                and a["sample_states"].get("delivered", 0) == sum(a["sample_states"].values()) and a["pending"] == 0)
        states = ", ".join(f"{k} {v}" for k, v in sorted(a["sample_states"].items()))
        return (f"{a['rate']:.1f} webhooks/s ({a['starts_s']:.1f} batch starts/s; service {a['cpu_per_min']:.1f} CPU "
                f"s/min) · {a['delivered']:,} delivered of {a['expected']:,} offered ({a['ingestions']:,} ingestions) · "
                f"{a['duplicates']} duplicates · {a['bad_signatures']} bad signatures · store, {a['sample']} ingestions "
                f"sampled: {states} ({a['sample_first_attempt']} at the first attempt); ingest_webhook_pending "
                f"{a['pending']:.0f} " + verdict(good))
    row(f"(a) steady state, `INGEST_INTERVAL={HOOK_INTERVAL_MS}ms`, `INGEST_UPSTREAM_DELAY={HOOK_UPSTREAM_DELAY_MS}ms`: "
        f"single-batch ingestions of 3 ids with `callback_url` at a local receiver and `callback_events` "
        f"{json.dumps(HOOK_EVENTS)}, about {HOOK_WAITING} batches kept waiting; webhooks delivered per second over "
        f"{ARGS.seconds} s after {HOOK_WARMUP_S} s, each signature verified by the receiver (Python hmac)",
        "every offered webhook delivered, 0 duplicates, 0 bad signatures", a_rate)

    def a_delay(r):
        a = r["a"]
        return (f"p50 {ms(a['p50'])} · p99 {ms(a['p99'])} · max {ms(a['max'])} (whole run: p99 {ms(a['all_p99'])}, "
                f"max {ms(a['all_max'])}); service's `ingest_webhook_delay_seconds`: p50 {ms(a['metric_p50'])} · "
                f"p99 {ms(a['metric_p99'])} · max {ms(a['metric_max'])} " + verdict(a["p99"] < 1))
    row("(a) delay from the event to its webhook's arrival: arrival at the receiver − the payload's `timestamp` "
        "(the event's time), over the window", "p99 < 1 s", a_delay)

    def b_drain(r):
        b = r["b"]
        return (f"backlog {b['expected']:,} webhooks ({b['ingestions']:,} ingestions fed for {b['fed_s']:.0f} s; "
                f"{b['refused']:,} answered 503 before T, {b['never_tried_before_t']:,} not tried yet by then; "
                f"`ingest_webhook_pending` {b['pending_at_t']:.0f} at T − 1 s) · drained in {b['drain_s']:.1f} s after T: "
                f"**{b['rate']:,.0f} deliveries/s** (10-90%: {b['rate_10_90']:,.0f}/s, busiest second "
                f"{b['peak_1s']:,}, seconds with none {b['idle_s']}; first {b['first_after'] * 1000:.0f} ms after T) · {b['drained']:,} of "
                f"{b['expected']:,} delivered, {b['early']} before T · {b['duplicates']} duplicates · "
                f"{b['bad_signatures']} bad signatures · pending at the end {b['pending_end']:.0f} · CPU during the "
                f"drain: service {b['service_cpu_share']:.0%} of a core, receiver and bench {b['bench_cpu_share']:.0%}")
    row(f"(b) backlog drain, same service: the receiver answers every request 503 with `Retry-After: <HTTP date T>`, "
        f"T {ARGS.backlog_seconds} s ahead, while ingestions are fed (until {BACKLOG_STOP_BEFORE_S} s before T), then "
        f"200: deliveries per second after T (`INGEST_WEBHOOK_SENDERS` {ARGS.senders or 16})", "reported", b_drain)

    def c_base(r):
        c = r["c"]
        return (c["none"]["cpu_per_min"] + c["after"]["cpu_per_min"]) / 2

    def c_rss(r):
        c = r["c"]
        n, s = c["none"], c["streams"]
        extra = s["end"]["rss"] - n["end"]["rss"]
        return (f"RSS {n['end']['rss']:,.0f} → {s['end']['rss']:,.0f} MB (**{extra:+,.0f} MB**; after the streams closed "
                f"{c['after']['end']['rss']:,.0f} MB) · heap used, mean of the 5 s samples {n['heap_mean']:,.0f} → "
                f"{s['heap_mean']:,.0f} MB (max {n['heap_max']:,.0f} → {s['heap_max']:,.0f}; after a full collection at "
                f"the window's end {n['live_heap']:,.0f} → {s['live_heap']:,.0f} MB, after the streams "
                f"{c['after']['live_heap']:,.0f} MB) · live threads "
                f"{n['end']['threads']:.0f} → {s['end']['threads']:.0f} (most in a 5 s sample {n['threads_max']:.0f} → "
                f"{s['threads_max']:.0f}; after the streams {c['after']['threads_max']:.0f}) "
                + verdict(extra < 100))
    row(f"(c) {ARGS.streams:,} open `GET /status/{{id}}/events` streams on one instance (`INGEST_INTERVAL="
        f"{STREAM_INTERVAL_MS}ms`; one ingestion of {STREAM_RUNNER_IDS:,} ids running, the others of 3 ids queued "
        f"behind it; one stream each, read by one thread through epoll): memory, end of a {ARGS.seconds} s window "
        f"with no stream → end of one with the streams", "< 100 MB more RSS", c_rss)

    def c_cpu(r):
        c = r["c"]
        extra = c["streams"]["cpu_per_min"] - c_base(r)
        return (f"{c_base(r):.2f} CPU s/min with none (before {c['none']['cpu_per_min']:.2f}, after "
                f"{c['after']['cpu_per_min']:.2f}) → {c['streams']['cpu_per_min']:.2f} with the streams: "
                f"**{extra / 60:+.1%} of one core** ({extra:+.2f} CPU s/min; {c['streams']['starts_s']:.1f} batch "
                f"starts/s in each window) " + verdict(extra / 60 < 0.05))
    row("(c) CPU of the service's process (utime + stime, /proc/<pid>/stat) over the window, against the mean of a "
        "window before the streams and one after", "< 5% of one core more", c_cpu)

    def c_alive(r):
        c = r["c"]
        s = c["streams"]
        good = s["closed"] == 0 and not s["errors"] and s["no_heartbeat"] == 0 and c["heads"] == c["streams_n"]
        return (f"{c['streams_n'] - s['closed']:,} of {c['streams_n']:,} open at the end ({c['heads']:,} answered 200 "
                f"within {c['heads_s']:.1f} s) · {s['no_heartbeat']} without a heartbeat in the window · "
                f"{s['events']:,} events on {s['streams_with_events']} stream(s) (the running ingestion's) · the readers "
                f"used {s['readers_cpu_per_min']:.2f} CPU s/min" + (f" · errors {s['errors']}" if s["errors"] else "")
                + " " + verdict(good))
    row("(c) the streams at the end of the window", "every stream alive", c_alive)
    return "\n".join(out)


def problems(results):
    out = []
    for store, r in results.items():
        a = r.get("a")
        if a and (a["duplicates"] or a["bad_signatures"] or a["delivered"] != a["expected"]):
            out.append(f"{store}: (a) {a['delivered']} of {a['expected']} delivered, {a['duplicates']} duplicates, "
                       f"{a['bad_signatures']} bad signatures")
        b = r.get("b")
        if b and (b["duplicates"] or b["bad_signatures"] or b["drained"] != b["expected"]):
            out.append(f"{store}: (b) {b['drained']} of {b['expected']} drained, {b['duplicates']} duplicates, "
                       f"{b['bad_signatures']} bad signatures")
    return out


def record(args, facts, results, text, elapsed):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cond = []
    for store, r in results.items():
        for part, c in r.get("conditions", {}).items():
            cond.append(f"{store} ({part}) {c['load']}" + (" with another benchmark running" if c["others"] else ""))
    entry = [
        f"## {when}, {facts['cores']} cores, {facts['cpu']}",
        "",
        f"- machine: {facts['cores']} cores ({facts['cpu']}), {facts['memory']} memory, {facts['os']}, "
        f"kernel {facts['kernel']}, host `{facts['host']}`; load average at the start {facts['load_start']}; at the "
        f"start of each part: {'; '.join(cond)}",
        f"- {facts['java']}; {facts['postgres']}",
        f"- service: `bin/ingestion-service`{f' with `JAVA_OPTS={args.java_opts}`' if args.java_opts else ''}, "
        f"which ran `java {facts['jvm_options']} -jar`; (a) and (b): `INGEST_INTERVAL={HOOK_INTERVAL_MS}ms`, "
        f"`INGEST_UPSTREAM_DELAY={HOOK_UPSTREAM_DELAY_MS}ms`, `INGEST_WEBHOOK_SECRET=whsec_<base64 of 32 random bytes, "
        f"new each run>`, `INGEST_WEBHOOK_ALLOW_PRIVATE=true`; (c): a second service with "
        f"`INGEST_INTERVAL={STREAM_INTERVAL_MS}ms`, `INGEST_UPSTREAM_DELAY={STREAM_UPSTREAM_DELAY_MS}ms`; other "
        f"settings default; receiver: bench/receiver.py in the bench's process; streams: bench/sse_readers.py",
        f"- `bench/run` took {elapsed / 60:.1f} min (`BENCH_ONLY=webhooks`: only rows 9)",
        "",
        text,
        "",
    ]
    with open(args.record) as f:
        ending = f.read()[-2:]
    if ending != "\n\n":
        entry.insert(0, "" if ending.endswith("\n") else "\n")
    with open(args.record, "a") as f:
        f.write("\n".join(entry) + "\n")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--bench-dir", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--classpath", default="", help="test classes and dependencies (H2's shell, for PostgreSQL)")
    p.add_argument("--launcher", required=True)
    p.add_argument("--java-opts", default="")
    p.add_argument("--stores", default="h2")
    p.add_argument("--pg-host-port")
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--pg-password", default="postgres")
    p.add_argument("--pg-version", default="no PostgreSQL")
    p.add_argument("--seconds", type=int, default=60, help="the steady window of (a) and each window of (c)")
    p.add_argument("--backlog-seconds", type=int, default=30, help="(b): T, this far ahead")
    p.add_argument("--drain-timeout", type=int, default=600, help="(b): most seconds to wait for the drain")
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--senders", type=int, default=0, help="INGEST_WEBHOOK_SENDERS (0: the service's default)")
    p.add_argument("--parts", default="ab,c", help="ab: webhooks; c: event streams")
    p.add_argument("--record")
    p.add_argument("--started-epoch", type=float, default=time.time())
    args = ARGS = bench.ARGS = p.parse_args()
    args.stores = [s for s in args.stores.split(",") if s]
    args.parts = [s for s in args.parts.split(",") if s]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    watch_parent()

    facts = machine_facts(args)
    facts["load_start"] = facts["load"]
    results = {}
    try:
        for store in args.stores:
            r = results[store] = {}
            if "ab" in args.parts:
                bench_webhooks(args, store, r)
            if "c" in args.parts:
                bench_streams(args, store, r)
    finally:
        cleanup()
    facts["jvm_options"] = next((r["jvm_options"] for r in results.values() if "jvm_options" in r), "?")
    text = rows(results, args.stores)
    elapsed = time.time() - args.started_epoch
    print()
    print(text)
    print()
    if args.record:
        record(args, facts, results, text, elapsed)
        log(f"table appended to {args.record}")
    found = problems(results)
    for p in found:
        log(f"BUG: {p}")
    if found:
        raise SystemExit(f"BENCH_ONLY=webhooks found {len(found)} problem(s): see BUG above")


if __name__ == "__main__":
    main()
