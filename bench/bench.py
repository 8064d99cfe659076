#!/usr/bin/env python3
"""The measurements of bench/run (standard library only).

bench/run installs the tools, builds the jar and the test classes, starts PostgreSQL, and then
calls this with everything it prepared. This script starts the service itself, as the README does
(bin/ingestion-service, with the jar bench/run built; free port, fresh data folder), measures its
start-up with and without class-data sharing, then once per store drives it with wrk and curl,
reads its start log, runs
the claim benchmark (dev.ingestion.bench.ClaimBench), prints one table and appends it to
docs/BENCHMARKS.md. Every process it starts is stopped before it returns, on failure too.

Rows 0 and the new rows 1 (issue 18, default run only): before the stores, the no-work ceiling
(bench/ceiling.py, bench/Ceiling.java) measured with the service's wrk scripts and levels; it
stays up, and is measured again right before each of rows 1's throughput rows, whose share is of
that adjacent figure. Per store, GET /status of 5 waiting ids at 64
connections (bench/status.lua), and ingest with an API key and a new Idempotency-Key on every
request at 64 connections on a second start of the service (the keys rows' start and warm-up).

Rows 6 (issue 12 item 7, H2 only; alone with --only upstream): the rhythm with 10% of the
simulation's calls failing, its retries read from the start log with attempts
(dev.ingestion.bench.StartLog); then the service against a stub upstream (bench/stub_upstream.py)
allowing 3 ids per interval, whose allowance is halved and then restored, measured from the
stub's own log of calls.

Rows 7 (issue 13, only with --only keys, on each store): POST /ingest with an API key at 64
connections (bench/keys.lua), plain and with a new Idempotency-Key on every request, interleaved;
then replays of keys used once before; the store's ingestions and keys, counted over JDBC after
the stop (H2's org.h2.tools.Shell), against the service's own count of its 2xx answers (/metrics).

Rows 8 (issue 14 point 6, only with --only dashboard, on each store): dispatch paused, wrk
(bench/dash.lua) fills the queue with single-batch ingestions of random priority until GET /queue
shows --dash-ingestions batches waiting; GET /queue and pages of GET /ingestions timed from here
on one keep-alive connection, each call after an untimed POST of one more ingestion (so that H2
cannot answer from its cache of a query's last result); then dispatch resumed (a batch start
every 100 ms) and the service's CPU seconds (/proc/<pid>/stat) over --dash-seconds with no event
stream, with 200 GET /events streams read as the events arrive (bench/sse_readers.py), and with
none again.
"""

import argparse
import bisect
import datetime
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from ceiling import (WARMUP_CONNECTIONS, beside, beside_status, measure_ceiling, of_ceiling, share, status_warmup,
                     stop_ceiling)
from sse_readers import SseReaders
from stub_upstream import StubUpstream, slots

T0 = time.monotonic()
CHILDREN = []  # every process started here: stopped in cleanup()
INTERVAL_MS = 200
UPSTREAM_DELAY_MS = 20
LARGE_SIZES = (10_000, 100_000, 1_000_000)
CONCURRENCY = (1, 16, 64)
RHYTHM_STARTS = 50


def log(msg):
    started = ARGS.started_epoch if ARGS else time.time() - (time.monotonic() - T0)
    print(f"[bench {time.time() - started:5.0f}s] {msg}", flush=True)


# ---- processes --------------------------------------------------------------------------------

def register(proc, args):
    CHILDREN.append(proc)
    with open(os.path.join(args.work, "pids"), "a") as f:
        f.write(f"{proc.pid}\n")
    return proc


def stop(proc, grace=30):
    """SIGTERM, then SIGKILL after `grace` seconds; returns once the process is gone."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cleanup():
    for proc in CHILDREN:
        try:
            stop(proc, grace=15)
        except Exception as e:  # keep stopping the others
            print(f"could not stop pid {proc.pid}: {e}", file=sys.stderr)


def watch_parent():
    """Should bench/run die without stopping this script (kill -9), stop what was started here."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, daemon=True).start()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def http_status(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, urllib.error.URLError):
        return -1


# ---- one store --------------------------------------------------------------------------------

class Service:
    def __init__(self, args, store, env, folder, cds=True):
        """Starts bin/ingestion-service on the jar bench/run built: the launcher's JVM options, with
        --java-opts after them (JAVA_OPTS), and class-data sharing unless `cds` is False. The
        launcher execs java, so the pid is the JVM's."""
        self.args, self.store, self.folder = args, store, folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items()
                    if not (k.startswith("INGEST_") or k in ("PORT", "JAVA_OPTS"))}
        full_env.update(env)
        full_env.update({"PORT": str(self.port), "INGEST_JAR": args.jar, "JAVA_OPTS": args.java_opts,
                         "INGEST_CDS": "on" if cds else "off"})
        self.log_path = os.path.join(args.work, f"service-{store}.log")
        self.log_file = open(self.log_path, "w")
        self.started = time.monotonic()
        self.proc = register(subprocess.Popen([args.launcher], cwd=folder, env=full_env,
                                              stdout=self.log_file, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL), args)

    def await_healthy(self, deadline_s=180):
        while time.monotonic() - self.started < deadline_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.store} service exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + tail(self.log_path))
            if http_status(self.base + "/health", timeout=1) == 200:
                return time.monotonic() - self.started
            time.sleep(0.05)
        raise RuntimeError(f"the {self.store} service was not healthy after {deadline_s} s:\n" + tail(self.log_path))

    def rss(self):
        return rss_mb(self.proc.pid)

    def jvm_options(self):
        """The JVM's options as it runs (between java and -jar), the sharing archive's path shortened."""
        with open(f"/proc/{self.proc.pid}/cmdline", "rb") as f:
            argv = f.read().decode().split("\0")
        opts = argv[1:argv.index("-jar")] if "-jar" in argv else argv[1:]
        return " ".join(re.sub(r"^(-XX:SharedArchiveFile=).*/", r"\1<jar dir>/cds/…/", o) for o in opts)

    def stop(self):
        stop(self.proc, grace=40)
        self.log_file.close()


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no output)"


def body_file(args, n, priority="HIGH"):
    path = os.path.join(args.work, f"ids-{n}-{priority}.json")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write('{"ids": [' + ", ".join(str(i) for i in range(1, n + 1)) + '], "priority": "' + priority + '"}')
    return path


def curl(args, *curl_args):
    """Runs curl; returns (http code, seconds, bytes downloaded)."""
    out = subprocess.run(["curl", "-sS", "-w", "%{http_code} %{time_total} %{size_download}", *curl_args],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"curl {' '.join(curl_args)} failed: {out.stderr.strip()}")
    code, seconds, size = out.stdout.split()[-3:]
    return int(code), float(seconds), int(float(size))


def post_ids(args, svc, n, priority="HIGH"):
    """POSTs n ids in one request; returns (ingestion id, seconds to the 200)."""
    answer = os.path.join(args.work, "post-answer.json")
    code, seconds, _ = curl(args, "-o", answer, "-H", "Content-Type: application/json", "-H", "Expect:",
                            "--data-binary", "@" + body_file(args, n, priority), svc.base + "/ingest")
    with open(answer) as f:
        text = f.read()
    if code != 200:
        raise RuntimeError(f"POST of {n} ids answered {code}: {text[:300]}")
    return json.loads(text)["ingestion_id"], seconds


def get_status(args, svc, ingestion_id, n, keep=False):
    """GETs the whole status; returns seconds to the last byte (and the answer if `keep`), after
    checking that every batch is there."""
    path = os.path.join(args.work, "status.json")
    code, seconds, size = curl(args, "-o", path, svc.base + "/status/" + ingestion_id)
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    batches = data.count(b'"batch_id"')
    if code != 200 or batches != math.ceil(n / 3):
        raise RuntimeError(f"GET /status of {n} ids: {code}, {batches} batches in {size} bytes")
    return (seconds, size, json.loads(data)) if keep else (seconds, size)


def run_wrk(args, svc, connections, seconds, threads=None, script="post.lua", env=None):
    """wrk with a script of bench/ (its WRKJSON summary); `env`: variables added for the script."""
    threads = threads or wrk_threads(connections)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
           "-s", os.path.join(args.bench_dir, script), svc.base + "/ingest"]
    begin = time.time()
    proc = register(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **(env or {})}), args)
    out, _ = proc.communicate(timeout=seconds + 60)
    end = time.time()
    match = re.search(r"WRKJSON (\{.*\})", out)
    if proc.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}")
    r = json.loads(match.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    r["window"] = (begin, end)
    return r


def wrk_threads(connections):
    return min(2, connections)


def start_log_rows(args, url, user, password):
    """The store's start log (dev.ingestion.bench.StartLog): (epoch seconds, owner, attempt) per
    start, oldest first; an attempt above 1 is a retry, or a run again after an instance died."""
    out = subprocess.run([args.java, "-cp", args.classpath, "dev.ingestion.bench.StartLog", url, user, password],
                         capture_output=True, text=True, timeout=180)
    if out.returncode != 0:
        raise RuntimeError(f"StartLog failed:\n{out.stderr[-3000:]}")
    rows = []
    for line in out.stdout.splitlines():
        micros, owner, attempt = line.split(" ")
        rows.append((int(micros) / 1e6, owner, int(attempt)))
    return rows


def start_log(args, url, user, password):
    """The store's start log: epoch seconds per start, oldest first."""
    return [at for at, _, _ in start_log_rows(args, url, user, password)]


def rhythm(starts, window, count=RHYTHM_STARTS, interval_ms=INTERVAL_MS):
    """Lateness of each start against previous start + interval, over `count` starts in the window."""
    inside = [s for s in starts if window[0] <= s <= window[1]]
    picked = inside[:count + 1]
    gaps = [(b - a) * 1000 for a, b in zip(picked, picked[1:])]
    if not gaps:
        return None
    late = sorted(g - interval_ms for g in gaps)
    return {
        "starts": len(gaps),
        "p50": percentile(late, 50),
        "p99": percentile(late, 99),
        "max": late[-1],
        "wasted": sum(max(0, int(g // interval_ms) - 1) for g in gaps),
        "min_gap": min(gaps),
    }


def percentile(sorted_values, p):
    """Nearest rank."""
    rank = math.ceil(p / 100 * len(sorted_values))
    return sorted_values[max(0, min(len(sorted_values) - 1, rank - 1))]


def bench_store(args, store, env, db):
    """Items 1, 2, 4 and 5 against one service process; returns the figures."""
    folder = os.path.join(args.work, f"service-{store}")
    os.makedirs(folder)
    r = {"store": store}
    log(f"{store}: bin/ingestion-service, port and data folder fresh")
    svc = Service(args, store, env, folder)
    try:
        r["startup_s"] = svc.await_healthy()
        r["jvm_options"] = svc.jvm_options()
        log(f"{store}: healthy after {r['startup_s']:.1f} s (java {r['jvm_options']})")
        time.sleep(3)
        r["rss_idle"] = svc.rss()
        _, r["cold_post_1m_s"] = post_ids(args, svc, 1_000_000)
        time.sleep(2)
        r["rss_1m"] = svc.rss()
        log(f"{store}: RSS idle {r['rss_idle']:.0f} MB, with 1,000,000 ids waiting {r['rss_1m']:.0f} MB "
            f"(that POST took {r['cold_post_1m_s']:.2f} s on the cold JVM)")

        log(f"{store}: warming up, {args.warmup} s of wrk at {WARMUP_CONNECTIONS} connections")
        r["warmup_requests"] = run_wrk(args, svc, WARMUP_CONNECTIONS, args.warmup)["requests"]
        r["load"] = {}
        for c in CONCURRENCY:
            top = beside(args, run_wrk, log, f"{store}'s {c} connection{'s' if c > 1 else ''}", c)
            w = run_wrk(args, svc, c, args.duration)
            w["beside"] = top
            r["load"][c] = w
            log(f"{store}: {c:2d} connections: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, "
                f"p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors")
        status_row(args, svc, r)

        # The large-request path is not the small one: one untimed round of each size first.
        for n in (10_000, 100_000):
            iid, _ = post_ids(args, svc, n)
            get_status(args, svc, iid, n)
        r["large"] = {}
        for n in LARGE_SIZES:
            iid, post_s = post_ids(args, svc, n)
            status_s, size = get_status(args, svc, iid, n)
            r["large"][n] = (post_s, status_s, size)
            log(f"{store}: {n:,} ids: 200 after {post_s * 1000:.0f} ms, full status ({size / 1e6:.1f} MB) "
                f"after {status_s * 1000:.0f} ms")
        # GET /status of a small ingestion at the back of the queue: its queue position is an
        # aggregate over the waiting ingestions ahead of it (the load test's, here).
        iid, _ = post_ids(args, svc, 10, "LOW")
        times = []
        for _ in range(3):
            seconds, _, answer = get_status(args, svc, iid, 10, keep=True)
            times.append(seconds)
        r["behind"] = (statistics.median(times), answer["batches"][0].get("queue_position"))
        log(f"{store}: GET /status of 10 LOW ids at queue position {r['behind'][1]}: {r['behind'][0] * 1000:.0f} ms")
        time.sleep(1)
        r["rss_end"] = svc.rss()

        log(f"{store}: rhythm: {RHYTHM_STARTS} starts at {INTERVAL_MS} ms with work waiting "
            f"(upstream delay {UPSTREAM_DELAY_MS} ms)")
        time.sleep(0.5)
        window = (time.time(), None)
        time.sleep((RHYTHM_STARTS + 1) * INTERVAL_MS / 1000 + 1.0)
        window = (window[0], time.time())
    finally:
        svc.stop()
    starts = start_log(args, *db)
    r["rhythm"] = rhythm(starts, window)
    r["rhythm_load"] = rhythm(starts, r["load"][64]["window"])
    rh = r["rhythm"]
    if rh is None or rh["starts"] < RHYTHM_STARTS:
        raise RuntimeError(f"{store}: only {0 if rh is None else rh['starts']} starts in the rhythm window")
    log(f"{store}: lateness p50 {rh['p50']:.1f} ms, p99 {rh['p99']:.1f} ms, max {rh['max']:.1f} ms, "
        f"{rh['wasted']} wasted slots, smallest gap {rh['min_gap']:.1f} ms")
    return r


def status_row(args, svc, r):
    """Rows 1 (issue 18 point 2): GET /status of a small ingestion (post.lua's 5 ids, waiting behind
    the load's) at 64 connections, after its own warm-up, as the ceiling's GET row."""
    began = time.monotonic()
    iid, _ = post_ids(args, svc, 5, "MEDIUM")
    _, r["status_bytes"] = get_status(args, svc, iid, 5)
    env = {"BENCH_STATUS_ID": iid}
    log(f"{svc.store}: GET /status of 5 ids ({r['status_bytes']} bytes): warming up, {status_warmup(args)} s of wrk "
        f"at 16 connections")
    run_wrk(args, svc, 16, status_warmup(args), script="status.lua", env=env)
    top = beside_status(args, run_wrk, log, f"{svc.store}'s GET /status")
    w = r["status_load"] = run_wrk(args, svc, 64, args.duration, script="status.lua", env=env)
    w["beside"] = top
    log(f"{svc.store}: GET /status, 64 connections: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, "
        f"p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors")
    extend_deadline(args, time.monotonic() - began)


def extend_deadline(args, seconds):
    """The parts of issue 18 (the ceiling, the GET /status and keyed rows) do not eat into the claim
    benchmark's budget (BENCH_BUDGET): its deadline moves on by the time they took."""
    if args.deadline:
        args.deadline += seconds


def startup(args, name, cds, env=None):
    """Seconds from launch to the first healthy /health on a fresh H2 folder; the service is stopped."""
    folder = os.path.join(args.work, f"service-{name}")
    os.makedirs(folder)
    env = {"INGEST_DB_URL": "jdbc:h2:file:" + os.path.join(folder, "data", "ingest"), **(env or {})}
    svc = Service(args, name, env, folder, cds=cds)
    try:
        return svc.await_healthy()
    finally:
        svc.stop()


def startups(args):
    """Item 5: start-up without class-data sharing, and the first start after the build, which
    records the archive (so that every start after it, those of the stores too, has it)."""
    cds_dir = os.path.join(os.path.dirname(args.jar), "cds")
    if os.path.exists(cds_dir):
        raise RuntimeError(f"{cds_dir} exists before the first start: bench/run builds a fresh jar")
    r = {"startup_off_s": startup(args, "no-cds", cds=False)}
    log(f"h2, INGEST_CDS=off: healthy after {r['startup_off_s']:.1f} s")
    r["startup_first_s"] = startup(args, "first", cds=True)
    if not os.path.islink(os.path.join(cds_dir, "current")):
        raise RuntimeError(f"the first start recorded no class-data sharing archive in {cds_dir}: see "
                           + os.path.join(args.work, "service-first.log"))
    log(f"h2, first start after the build (records the class-data sharing archive): healthy after "
        f"{r['startup_first_s']:.1f} s")
    r["startup_aot_off_s"] = startup(args, "no-aot", cds=True, env={"INGEST_AOT": "off"})
    log(f"h2, INGEST_AOT=off (archive in place): healthy after {r['startup_aot_off_s']:.1f} s")
    return r


def claim_bench(args):
    cmd = [args.java, "-cp", args.classpath, "dev.ingestion.bench.ClaimBench", "--claims", str(args.claims),
           "--levels", ",".join(str(n) for n in args.levels), "--one", "3000000",
           "--deadline", str(int(args.deadline * 1000))]
    if args.only == "claim":  # issue 16: the levels again with each fair-share mode, no extra row
        cmd[cmd.index("--one") + 1] = "0"
        cmd += ["--fairness", ",".join(FAIRNESS_MODES)]
    if "h2" in args.stores:
        cmd += ["--h2", os.path.join(args.work, "claim-h2")]
    if "postgres" in args.stores:
        cmd += ["--pg", args.pg_host_port, args.pg_user, args.pg_password]
    err_path = os.path.join(args.work, "claim-bench.log")
    results = []
    with open(err_path, "w") as err:
        proc = register(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), args)
        # stderr: progress lines to the console, everything (query plans too) to the log
        def pump():
            for line in proc.stderr:
                err.write(line)
                if re.match(r"^(h2|postgres): ", line):
                    log("claim " + line.rstrip())
        t = threading.Thread(target=pump, daemon=True)
        t.start()
        for line in proc.stdout:
            if line.startswith("CLAIMBENCH "):
                results.append(json.loads(line[len("CLAIMBENCH "):]))
        proc.wait()
        t.join(5)
    if proc.returncode != 0:
        raise RuntimeError(f"ClaimBench failed ({proc.returncode}):\n{tail(err_path, 40)}")
    return results


# ---- issue 16: the claim with fair share (BENCH_ONLY=claim) -------------------------------------

FAIRNESS_MODES = ("off", "ingestion", "key")


def find_claim(claims, store, shape, level):
    """ClaimBench's result for one store, shape (exactly) and backlog level, or None."""
    for c in claims:
        if c["store"] == store and c["shape"] == shape and c["level"] == level:
            return c
    return None


def claim_level_rows(row, claims, shape, label):
    """Rows 3: the claim at each of ARGS.levels for one shape; the last level judged flat against
    the first (p50 at most twice as long)."""
    levels = ARGS.levels
    for waiting in levels:
        def cell(s, waiting=waiting):
            c = find_claim(claims, s, shape, waiting)
            if not c:
                return "n/a"
            text = f"p50 {c['p50_ms']:.2f} ms · p99 {c['p99_ms']:.2f} ms"
            if c["waiting"] != c["level"]:
                text += f" (out of time: only {c['waiting']:,} waiting)"
            if waiting == levels[-1] and len(levels) > 1:
                base = find_claim(claims, s, shape, levels[0])
                ratio = c["p50_ms"] / base["p50_ms"] if base else float("nan")
                text += f" ({ratio:.2f}× the p50 at {levels[0]:,}) "
                text += verdict(ratio <= 2) if c["waiting"] == c["level"] else "**not checked**"
            return text
        row(3, f"claim the next batch, {waiting:,} batches waiting ({label})",
            f"flat: p50 at {levels[-1]:,} ≤ 2× p50 at {levels[0]:,}" if waiting == levels[-1] else "", cell)


def claim_rows(row, claims):
    for mode in FAIRNESS_MODES:
        shape = "single-batch ingestions" + ("" if mode == "off" else f", fair share by {mode}"
                                             + (" (10 keys)" if mode == "key" else ""))
        claim_level_rows(row, claims, shape, f"{shape}; `INGEST_FAIRNESS={mode}`")


# ---- issue 12 item 7: a failing upstream, and one that throttles -------------------------------

FAILURE_RATE = 0.1
FAILURE_SEED = 1
RETRY_BACKOFF_MS = 400
STUB_ALLOWANCE = 3
STUB_TOLERANCE = 0.1
STUB_RETRY_AFTER = "1"
STUB_MAX_INTERVAL = "2s"
STUB_STEADY_SLOTS = 40
STUB_PHASE_SLOTS = 30
CLEAN_RUN = 10  # slots in a row without a 429 that count as "no more 429s"


def start_attempts(args, url, user, password):
    """The store's start log with attempts: (epoch seconds, attempt) per start, oldest first."""
    return [(at, attempt) for at, _, attempt in start_log_rows(args, url, user, password)]


def effective_interval(svc):
    """ingest_effective_interval_seconds from /metrics, or None."""
    try:
        with urllib.request.urlopen(svc.base + "/metrics", timeout=5) as r:
            text = r.read().decode()
    except (OSError, urllib.error.URLError):
        return None
    m = re.search(r"^ingest_effective_interval_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)", text, re.M)
    return float(m.group(1)) if m else None


def bench_failures(args):
    """The rhythm row with 10% of the simulation's calls failing (a 500), retries within the run."""
    store = "h2-failures"
    folder = os.path.join(args.work, f"service-{store}")
    os.makedirs(folder)
    url = "jdbc:h2:file:" + os.path.join(folder, "data", "ingest")
    env = {"INGEST_DB_URL": url, "INGEST_INTERVAL": f"{INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{UPSTREAM_DELAY_MS}ms",
           "INGEST_UPSTREAM_FAILURE_RATE": str(FAILURE_RATE), "INGEST_UPSTREAM_SEED": str(FAILURE_SEED),
           "INGEST_RETRY_BACKOFF": f"{RETRY_BACKOFF_MS}ms"}
    log(f"h2: rhythm with {FAILURE_RATE:.0%} of upstream calls failing (seed {FAILURE_SEED}, back-off "
        f"{RETRY_BACKOFF_MS} ms): {RHYTHM_STARTS} starts at {INTERVAL_MS} ms")
    svc = Service(args, store, env, folder)
    r = {}
    try:
        r["startup_s"] = svc.await_healthy()
        r["jvm_options"] = svc.jvm_options()
        post_ids(args, svc, 3 * (RHYTHM_STARTS * 4))  # far more batches than slots: work waits throughout
        time.sleep(2.0)  # ten slots on the cold path first, and retries under way
        begin = time.time()
        time.sleep((RHYTHM_STARTS + 1) * INTERVAL_MS / 1000 + 1.0)
        window = (begin, time.time())
        r["interval_end"] = effective_interval(svc)
    finally:
        svc.stop()
    starts = start_attempts(args, url, "", "")
    rh = rhythm([t for t, _ in starts], window)
    if rh is None or rh["starts"] < RHYTHM_STARTS:
        raise RuntimeError(f"h2 with failures: only {0 if rh is None else rh['starts']} starts in the window")
    picked = [a for t, a in starts if window[0] <= t <= window[1]][:RHYTHM_STARTS + 1][1:]
    rh["retries"] = sum(1 for a in picked if a > 1)
    rh["slots"] = len(picked)
    rh["interval_end"] = r["interval_end"]
    log(f"h2 with failures: lateness p50 {rh['p50']:.1f} ms, p99 {rh['p99']:.1f} ms, max {rh['max']:.1f} ms, "
        f"{rh['wasted']} wasted slots, smallest gap {rh['min_gap']:.1f} ms, {rh['retries']} of {rh['slots']} "
        f"starts were retries")
    return {"failures": rh, "upstream_jvm_options": r["jvm_options"]}


def wait_slots(stub, since, count, timeout):
    """Waits until `count` slots have started after `since` (and their calls had 50 ms to come)."""
    end = time.time() + timeout
    while time.time() < end:
        if len(slots([c for c in stub.snapshot() if c[0] >= since])) >= count:
            time.sleep(0.05)
            return True
        time.sleep(0.02)
    return False


def bench_stub(args):
    """Against a stub allowing 3 ids per interval: steady state, the allowance halved, then restored."""
    store = "h2-stub"
    folder = os.path.join(args.work, f"service-{store}")
    os.makedirs(folder)
    url = "jdbc:h2:file:" + os.path.join(folder, "data", "ingest")
    floor = INTERVAL_MS / 1000
    stub = StubUpstream(STUB_ALLOWANCE, floor, STUB_TOLERANCE, STUB_RETRY_AFTER).start()
    env = {"INGEST_DB_URL": url, "INGEST_INTERVAL": f"{INTERVAL_MS}ms", "INGEST_MAX_INTERVAL": STUB_MAX_INTERVAL,
           "INGEST_UPSTREAM_URL": f"http://127.0.0.1:{stub.port}/items/{{id}}",
           "INGEST_RETRY_BACKOFF": f"{RETRY_BACKOFF_MS}ms"}
    log(f"h2: against a stub allowing {STUB_ALLOWANCE} ids per {INTERVAL_MS} ms (port {stub.port})")
    svc = Service(args, store, env, folder)
    r = {}
    try:
        svc.await_healthy()
        post_ids(args, svc, 1500)
        if not wait_slots(stub, 0, 10, 60):  # ten slots of warm-up, not measured
            raise RuntimeError("the stub saw fewer than 10 slots in 60 s:\n" + tail(svc.log_path))
        a0 = time.time()
        wait_slots(stub, a0, STUB_STEADY_SLOTS, STUB_STEADY_SLOTS * floor * 3)
        r["a_interval"] = effective_interval(svc)
        b0 = time.time()
        stub.set_period(2 * floor)
        log(f"h2-stub: steady state measured; the stub now allows {STUB_ALLOWANCE} ids per {2 * INTERVAL_MS} ms")
        wait_slots(stub, b0, STUB_PHASE_SLOTS, 60)
        r["b_interval"] = effective_interval(svc)
        c0 = time.time()
        stub.set_period(floor)
        log(f"h2-stub: the stub allows {STUB_ALLOWANCE} ids per {INTERVAL_MS} ms again")
        wait_slots(stub, c0, STUB_PHASE_SLOTS, 60)
        r["c_interval"] = effective_interval(svc)
        c1 = time.time()
    finally:
        svc.stop()
        stub.stop()
    all_slots = slots(stub.snapshot())

    def phase(a, b):
        return [(t, st) for t, st in all_slots if a <= t < b]

    a = phase(a0, b0)
    r["a_slots"], r["a_calls"] = len(a), sum(len(st) for _, st in a)
    r["a_429"] = sum(st.count(429) for _, st in a)

    b = phase(b0, c0)
    throttled = [st.count(429) > 0 for _, st in b]
    r["b_slots"], r["b_429"] = len(b), sum(st.count(429) for _, st in b)
    settle = next((i for i in range(len(b) - CLEAN_RUN + 1) if not any(throttled[i:i + CLEAN_RUN])), None)
    r["b_settle"] = settle  # slots after the change before a run of CLEAN_RUN clean ones
    r["b_burst_429"] = sum(st.count(429) for _, st in b[:settle]) if settle is not None else None
    r["b_later_429_slots"] = sum(throttled[settle:]) if settle is not None else None
    gaps_b = [(y[0] - x[0]) * 1000 for x, y in zip(b[settle or 0:], b[(settle or 0) + 1:])]
    r["b_median_gap"] = statistics.median(gaps_b) if gaps_b else None

    before = [s for s in all_slots if s[0] < c0][-1:]
    c = phase(c0, c1)
    seq = before + c
    gaps_c = [(y[0] - x[0]) * 1000 for x, y in zip(seq, seq[1:])]
    # the first slot after the change from which every gap is under 1.5 floors: back at the floor
    back = next((i + 1 for i in range(len(gaps_c)) if all(g < 1.5 * INTERVAL_MS for g in gaps_c[i:])), None)
    r["c_back"] = back if back is not None and back < len(gaps_c) else None
    r["c_first"] = next((i + 1 for i, g in enumerate(gaps_c) if g < 1.5 * INTERVAL_MS), None)
    r["c_slots"], r["c_429"] = len(c), sum(st.count(429) for _, st in c)

    # The service's own starts (its start log): how far apart they were, and how long after its
    # start a slot's first call reached the stub, so that a 429 can be told from a slot the stub
    # merely saw early (its calls delayed on their way more than the tolerance).
    starts = sorted(t for t, _ in start_attempts(args, url, "", ""))
    for key, (lo, hi), sl in (("a", (a0, b0), a), ("c", (c0, c1), c)):
        inside = [t for t in starts if lo - 1 <= t < hi]
        gaps = [(y - x) * 1000 for x, y in zip(inside, inside[1:]) if y >= lo]
        lags = []
        for t, _ in sl:
            k = bisect.bisect_right(starts, t + 0.002) - 1
            if k >= 0:
                lags.append((t - starts[k]) * 1000)
        r[key + "_min_start_gap"] = min(gaps) if gaps else None
        r[key + "_max_lag"] = max(lags) if lags else None
    with open(os.path.join(args.work, "stub-calls.tsv"), "w") as f:  # kept with BENCH_KEEP=1
        f.write(f"# epoch s\tid\tstatus\tstub period s; phases from {a0:.3f}, {b0:.3f}, {c0:.3f} to {c1:.3f}\n")
        f.writelines(f"{t:.6f}\t{i}\t{st}\t{per}\n" for t, i, st, per in stub.snapshot())
    log(f"h2-stub: steady: 429s: {r['a_429']} in {r['a_slots']} slots; halved: no 429 for {CLEAN_RUN} slots "
        f"from slot {None if settle is None else settle + 1} on (429s: {r['b_429']} in {r['b_slots']} slots), "
        f"median gap after {r['b_median_gap'] or float('nan'):.0f} ms; relented: at the floor at slot "
        f"{r['c_first']}, for good from slot {r['c_back']} on (429s: {r['c_429']} in {r['c_slots']} slots); interval "
        f"in force at the end of each phase {r['a_interval']} / {r['b_interval']} / {r['c_interval']} s; "
        f"smallest gap between starts {fmt(r['a_min_start_gap'])} / {fmt(r['c_min_start_gap'])} ms, largest lag "
        f"from a start to its first call at the stub {fmt(r['a_max_lag'])} / {fmt(r['c_max_lag'])} ms")
    return {"stub": r}


def fmt(value):
    return "?" if value is None else f"{value:.1f}"


def bench_upstream(args):
    r = bench_failures(args)
    r.update(bench_stub(args))
    return r


def upstream_rows(row, svc):
    """The rows of issue 12 item 7 (H2 only)."""
    def fail_cell(s):
        rh = (svc(s) or {}).get("failures")
        if not rh:
            return "n/a"
        share = rh["retries"] / rh["slots"] if rh["slots"] else float("nan")
        return (f"late p50 {rh['p50']:.1f} ms · p99 {rh['p99']:.1f} ms · max {rh['max']:.1f} ms · {rh['wasted']} wasted · "
                f"smallest gap {rh['min_gap']:.1f} ms · retries {rh['retries']} of {rh['slots']} slots ({share:.0%}) "
                + verdict(rh["p99"] < 20 and rh["wasted"] == 0 and rh["min_gap"] >= INTERVAL_MS))
    row(6, f"rhythm with {FAILURE_RATE:.0%} of upstream calls failing (simulation, seed {FAILURE_SEED}, "
           f"`INGEST_RETRY_BACKOFF={RETRY_BACKOFF_MS}ms`): {RHYTHM_STARTS} starts at {INTERVAL_MS} ms, work waiting, "
           f"upstream delay {UPSTREAM_DELAY_MS} ms; share of slots spent on retries",
        "p99 late < 20 ms, 0 wasted, no gap < 200 ms", fail_cell)

    def stub(s):
        return (svc(s) or {}).get("stub")

    def starts_vs_stub(r, key):
        gap, lag = r.get(key + "_min_start_gap"), r.get(key + "_max_lag")
        return ("service's starts ≥ " + ("?" if gap is None else f"{gap:.1f}") + " ms apart, their calls at the stub "
                "≤ " + ("?" if lag is None else f"{lag:.0f}") + " ms after the start")

    def secs(v):
        return "?" if v is None else f"{v:g} s"

    def a_cell(s):
        r = stub(s)
        if not r:
            return "n/a"
        return (f"429s: {r['a_429']} in {r['a_slots']} slots ({r['a_calls']} calls); interval in force "
                f"{secs(r['a_interval'])}; {starts_vs_stub(r, 'a')} " + verdict(r["a_429"] == 0))
    row(6, f"stub upstream allowing {STUB_ALLOWANCE} ids per {INTERVAL_MS} ms (token bucket, "
           f"{STUB_TOLERANCE:.0%} tolerance, 429 with `Retry-After: {STUB_RETRY_AFTER}`), "
           f"`INGEST_INTERVAL={INTERVAL_MS}ms`: 429s over {STUB_STEADY_SLOTS} slots at steady state", "0", a_cell)

    def b_cell(s):
        r = stub(s)
        if not r:
            return "n/a"
        if r["b_settle"] is None:
            return f"never {CLEAN_RUN} clean slots in a row ({r['b_429']} 429s in {r['b_slots']} slots) " + verdict(False)
        gap = "?" if r["b_median_gap"] is None else f"{r['b_median_gap']:.0f} ms"
        return (f"no 429 from slot {r['b_settle'] + 1} on (429s before: {r['b_burst_429']}); after that "
                f"{r['b_later_429_slots']} throttled slots in {r['b_slots'] - r['b_settle']} (the service steps "
                f"down after {CLEAN_RUN} clean slots); median gap {gap}; interval in force "
                f"{secs(r['b_interval'])} " + verdict(r["b_settle"] <= 5))
    row(6, f"the stub halves its allowance ({STUB_ALLOWANCE} ids per {2 * INTERVAL_MS} ms): slots until no 429 "
           f"({CLEAN_RUN} clean slots in a row), over {STUB_PHASE_SLOTS} slots", "≤ 5 slots", b_cell)

    def c_cell(s):
        r = stub(s)
        if not r:
            return "n/a"
        if r["c_first"] is None:
            return f"not back at the floor within {r['c_slots']} slots " + verdict(False)
        stays = f"there for good from slot {r['c_back']} on" if r["c_back"] else "thrown back off it before the end"
        return (f"at the floor at slot {r['c_first']}, {stays}; 429s: {r['c_429']} in {r['c_slots']} slots; "
                f"interval in force {secs(r['c_interval'])}; {starts_vs_stub(r, 'c')} " + verdict(r["c_first"] <= 20))
    row(6, f"then the stub relents ({STUB_ALLOWANCE} ids per {INTERVAL_MS} ms): slots until the service is "
           f"back at the {INTERVAL_MS} ms floor (a gap < {1.5 * INTERVAL_MS:.0f} ms between slots), over "
           f"{STUB_PHASE_SLOTS} slots", "≤ 20 slots", c_cell)


# ---- issue 13: idempotency keys (BENCH_ONLY=keys) ----------------------------------------------

KEYS_NAME = "bench"  # INGEST_API_KEYS=bench:<secret>; the secret is new each run and never printed
KEYS_CONNECTIONS = 64
KEYS_ROWS = ("plain", "keyed", "plain", "keyed")  # interleaved, to spread the machine's noise
REPLAY_KEYS_PER_THREAD = 1000  # keys of the replay row, used once first; each wrk thread its own
REPLAY_CHECKED = 200  # of them, replayed once more by hand afterwards: the same id, Idempotent-Replayed
KEYS_BODY = b'{"ids": [1, 2, 3, 4, 5], "priority": "MEDIUM"}'  # post.lua's


def ingest_answers(svc):
    """The service's own count of its answers to POST /ingest, by status (http_server_requests in
    /metrics), once two reads 0.3 s apart agree: requests in flight when wrk stopped are answered
    (and counted) after it."""
    last = None
    for _ in range(60):
        with urllib.request.urlopen(svc.base + "/metrics", timeout=10) as r:
            text = r.read().decode()
        counts = {}
        for m in re.finditer(r"^http_server_requests_seconds_count\{([^}]*)\} ([0-9.eE+-]+)$", text, re.M):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            if labels.get("method") == "POST" and labels.get("uri") == "/ingest":
                status = int(labels["status"])
                counts[status] = counts.get(status, 0) + int(float(m.group(2)))
        if counts == last:
            return counts
        last = counts
        time.sleep(0.3)
    raise RuntimeError("the answers to POST /ingest in /metrics kept changing for 18 s")


def count_delta(after, before):
    return {s: n - before.get(s, 0) for s, n in after.items() if n != before.get(s, 0)}


def ok_count(counts):
    return sum(n for s, n in counts.items() if 200 <= s < 300)


def post_keyed(svc, secret, key):
    """POST /ingest of post.lua's body with the API key and `key`: (status, ingestion id, replayed)."""
    req = urllib.request.Request(svc.base + "/ingest", data=KEYS_BODY, method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + secret, "Idempotency-Key": f'"{key}"'})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())["ingestion_id"], r.headers.get("Idempotent-Replayed") == "true"
    except urllib.error.HTTPError as e:
        return e.code, None, False


def parallel(fn, items, workers=8):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def store_counts(args, url, user, password):
    """(ingestions, idempotency keys of KEYS_NAME) in the store, read over JDBC with H2's own shell
    (org.h2.tools.Shell, on the classpath with both drivers); for H2, after the service stopped."""
    sql = (f"SELECT 'N=' || COUNT(*) AS N FROM ingestion; "
           f"SELECT 'K=' || COUNT(*) AS K FROM idempotency_key WHERE scope = '{KEYS_NAME}'")
    out = subprocess.run([args.java, "-cp", args.classpath, "org.h2.tools.Shell", "-url", url, "-user", user,
                          "-password", password, "-sql", sql], capture_output=True, text=True, timeout=180)
    n, k = re.search(r"^N=(\d+)$", out.stdout, re.M), re.search(r"^K=(\d+)$", out.stdout, re.M)
    if out.returncode != 0 or not n or not k:
        raise RuntimeError(f"counting the store's ingestions failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return int(n.group(1)), int(k.group(1))


def keyed_service(args, name, env, folder, where="port and data folder fresh"):
    """Starts the service with INGEST_API_KEYS=bench:<new secret>: (svc, the secret, this run's key
    prefix, keys.lua's environment)."""
    secret = secrets.token_hex(16)
    prefix = secrets.token_hex(6)  # this run's keys: a second run never replays the first's
    log(f"{name}: bin/ingestion-service with INGEST_API_KEYS={KEYS_NAME}:<32 characters>, {where}")
    svc = Service(args, name, {**env, "INGEST_API_KEYS": f"{KEYS_NAME}:{secret}"}, folder)
    return svc, secret, prefix, {"BENCH_API_SECRET": secret}


def keyed_warmup(args, svc, lua, prefix):
    """keys.lua at WARMUP_CONNECTIONS, BENCH_WARMUP s without Idempotency-Key, then half as long with a
    new one on every request; returns the service's answers after each (ingest_answers)."""
    log(f"{svc.store}: warming up, {args.warmup} s of wrk at {WARMUP_CONNECTIONS} connections (no Idempotency-Key)")
    run_wrk(args, svc, WARMUP_CONNECTIONS, args.warmup, script="keys.lua", env={**lua, "BENCH_KEY_MODE": "plain"})
    plain_warm = ingest_answers(svc)
    # The key path too: warmed up with plain requests only, the first keyed row was when C2
    # compiled it (its compiler threads took 63 us of CPU per request there, 3-6 in later rows).
    seconds = max(1, args.warmup // 2)
    log(f"{svc.store}: warming up the key path, {seconds} s of wrk at {WARMUP_CONNECTIONS} connections (a new "
        f"Idempotency-Key on every request)")
    run_wrk(args, svc, WARMUP_CONNECTIONS, seconds, script="keys.lua",
            env={**lua, "BENCH_KEY_MODE": "keyed", "BENCH_KEY_PREFIX": f"{prefix}-w"})
    return plain_warm, ingest_answers(svc)


def bench_keyed_row(args, store, env):
    """Rows 1 (issue 18 point 2): ingest at 64 connections with an API key and a new Idempotency-Key
    on every request, on a second start of the service on bench_store's store, warmed up as in
    BENCH_ONLY=keys; returns wrk's figures with the service's answers by status."""
    began = time.monotonic()
    svc, _, prefix, lua = keyed_service(args, f"{store}-keys", env, os.path.join(args.work, f"service-{store}"),
                                        where="on the same store, after the first start's stop")
    try:
        log(f"{svc.store}: healthy after {svc.await_healthy():.1f} s")
        _, before = keyed_warmup(args, svc, lua, prefix)
        top = beside(args, run_wrk, log, f"{svc.store}'s keyed row", KEYS_CONNECTIONS, script="keys.lua",
                     env={**lua, "BENCH_KEY_MODE": "keyed", "BENCH_KEY_PREFIX": f"{prefix}-c"})
        w = run_wrk(args, svc, KEYS_CONNECTIONS, args.duration, script="keys.lua",
                    env={**lua, "BENCH_KEY_MODE": "keyed", "BENCH_KEY_PREFIX": f"{prefix}-0"})
        w["answers"] = count_delta(ingest_answers(svc), before)
        w["beside"] = top
        log(f"{svc.store}: keyed, {KEYS_CONNECTIONS} connections: {w['rps']:,.0f} req/s, p50 "
            f"{w['p50_us'] / 1000:.2f} ms, p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors; answers "
            f"{statuses(w['answers'])}")
    finally:
        svc.stop()
    extend_deadline(args, time.monotonic() - began)
    return w


def bench_keys_store(args, store, env, db):
    """Plain and keyed rows interleaved, the replay row, then the store's counts against the answers."""
    folder = os.path.join(args.work, f"service-{store}")
    os.makedirs(folder)
    svc, secret, prefix, lua = keyed_service(args, store, env, folder)
    r = {"store": store, "rows": []}
    try:
        r["startup_s"] = svc.await_healthy()
        r["jvm_options"] = svc.jvm_options()
        log(f"{store}: healthy after {r['startup_s']:.1f} s (java {r['jvm_options']})")
        plain_warm, before = keyed_warmup(args, svc, lua, prefix)
        r["warmup_ok"] = ok_count(before)
        r["warmup_keyed_ok"] = ok_count(count_delta(before, plain_warm))
        for i, mode in enumerate(KEYS_ROWS):
            w = run_wrk(args, svc, KEYS_CONNECTIONS, args.duration, script="keys.lua",
                        env={**lua, "BENCH_KEY_MODE": mode, "BENCH_KEY_PREFIX": f"{prefix}-{i}"})
            after = ingest_answers(svc)
            w["mode"], w["answers"] = mode, count_delta(after, before)
            before = after
            r["rows"].append(w)
            log(f"{store}: {mode:5s}: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, p99 "
                f"{w['p99_us'] / 1000:.2f} ms, {w['errors']} errors; answers {statuses(w['answers'])}")
            for s in (409, 422):
                if w["answers"].get(s):
                    log(f"{store}: BUG: {w['answers'][s]} answers {s} in a {mode} row (keys: new on every request)")
        r["stored_ok"] = ok_count(before)  # 2xx of the warm-up and the rows: one ingestion each
        r["keyed_ok"] = sum(ok_count(w["answers"]) for w in r["rows"] if w["mode"] == "keyed")

        threads = wrk_threads(KEYS_CONNECTIONS)
        replay_keys = [f"{prefix}-r-{t}-{i}" for t in range(1, threads + 1) for i in range(REPLAY_KEYS_PER_THREAD)]
        log(f"{store}: the replay row's {len(replay_keys):,} keys, each used once")
        seeded = parallel(lambda k: post_keyed(svc, secret, k), replay_keys)
        bad = [(k, s) for k, (s, _, replayed) in zip(replay_keys, seeded) if s != 200 or replayed]
        if bad:
            raise RuntimeError(f"{store}: {len(bad)} first uses of the replay row's keys were not a fresh 200: {bad[:5]}")
        seeded_ok = ingest_answers(svc)
        r["seeded"] = ok_count(seeded_ok) - r["stored_ok"]
        w = run_wrk(args, svc, KEYS_CONNECTIONS, args.duration, threads=threads, script="keys.lua",
                    env={**lua, "BENCH_KEY_MODE": "replay", "BENCH_KEY_PREFIX": f"{prefix}-r",
                         "BENCH_KEY_REPLAYS": str(REPLAY_KEYS_PER_THREAD)})
        w["mode"], w["answers"] = "replay", count_delta(ingest_answers(svc), seeded_ok)
        r["replay"] = w
        log(f"{store}: replay: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, p99 "
            f"{w['p99_us'] / 1000:.2f} ms, {w['errors']} errors; answers {statuses(w['answers'])}")
        step = max(1, len(replay_keys) // REPLAY_CHECKED)
        checked = list(zip(replay_keys, seeded))[::step]
        again = parallel(lambda ks: post_keyed(svc, secret, ks[0]), checked)
        r["replay_checked"] = len(checked)
        r["replay_wrong"] = sum(1 for (_, (_, first, _)), (s, iid, replayed) in zip(checked, again)
                                if s != 200 or iid != first or not replayed)
        log(f"{store}: {r['replay_checked']} keys replayed once more: {r['replay_wrong']} not a 200 with the first "
            f"answer's ingestion_id and Idempotent-Replayed: true")
    finally:
        svc.stop()
    r["count_ingestions"], r["count_keys"] = store_counts(args, *db)
    r["expect_ingestions"] = r["stored_ok"] + r["seeded"]
    r["expect_keys"] = r["keyed_ok"] + r["warmup_keyed_ok"] + r["seeded"]
    log(f"{store}: stored {r['count_ingestions']:,} ingestions (2xx answers that store one: "
        f"{r['expect_ingestions']:,}), {r['count_keys']:,} idempotency keys (expected {r['expect_keys']:,})")
    return r


def statuses(counts):
    return ", ".join(f"{n:,}× {s}" for s, n in sorted(counts.items())) or "none"


def keys_problems(r):
    """What, in one store's figures, is a bug rather than noise."""
    out = []
    for w in r["rows"]:
        for s in (409, 422):
            if w["answers"].get(s):
                out.append(f"{w['answers'][s]:,} answers {s} in a {w['mode']} row")
    if r["count_ingestions"] != r["expect_ingestions"]:
        out.append(f"{r['count_ingestions']:,} ingestions stored for {r['expect_ingestions']:,} 2xx answers")
    if r["count_keys"] != r["expect_keys"]:
        out.append(f"{r['count_keys']:,} idempotency keys stored, {r['expect_keys']:,} expected")
    if r["replay_wrong"]:
        out.append(f"{r['replay_wrong']} of {r['replay_checked']} replays checked by hand were wrong")
    return out


def measure_keys(args, results):
    env = {"INGEST_INTERVAL": f"{INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{UPSTREAM_DELAY_MS}ms"}
    if "h2" in args.stores:
        url = "jdbc:h2:file:" + os.path.join(args.work, "service-h2", "data", "ingest")
        results["h2"] = bench_keys_store(args, "h2", {**env, "INGEST_DB_URL": url}, (url, "", ""))
    if "postgres" in args.stores:
        url = f"jdbc:postgresql://{args.pg_host_port}/postgres"
        results["postgres"] = bench_keys_store(args, "postgres", {
            **env, "INGEST_DB_URL": url, "INGEST_DB_USER": args.pg_user, "INGEST_DB_PASSWORD": args.pg_password},
            (url, args.pg_user, args.pg_password))


def keys_rows(row, svc):
    """The rows of issue 13's benchmark (BENCH_ONLY=keys)."""
    def load(w, bug_statuses=()):
        text = (f"{w['rps']:,.0f} req/s · p50 {w['p50_us'] / 1000:.1f} ms · p99 {w['p99_us'] / 1000:.1f} ms · "
                f"{w['errors']:,} errors")
        other = {s: n for s, n in w["answers"].items() if not 200 <= s < 300}
        if other:
            text += f" ({statuses(other)})"
        bugs = [f"{other[s]:,}× {s}" for s in bug_statuses if other.get(s)]
        if bugs:
            text += " **BUG: " + ", ".join(bugs) + "**"
        return text

    def keyed_cell(w):
        text = load(w, (409, 422))
        return text + " " + verdict(w["errors"] == 0) if w["mode"] == "keyed" else text

    what = {"plain": f"ingest 5 ids with an API key (`Authorization: Bearer`), {KEYS_CONNECTIONS} connections, "
                     f"{ARGS.duration} s",
            "keyed": "the same with a new `Idempotency-Key` on every request"}
    for i, mode in enumerate(KEYS_ROWS):
        row(7, f"{what[mode]} (run {i // 2 + 1} of 2)", "0 errors (a 409 or 422 is a bug)" if mode == "keyed" else "",
            lambda s, i=i: keyed_cell(svc(s)["rows"][i]) if svc(s) else "n/a")

    def ratio(s):
        r = svc(s)
        if not r:
            return "n/a"

        def rate(ws):
            return sum(w["requests"] for w in ws) / sum(w["duration_us"] / 1e6 for w in ws)
        plain = [w for w in r["rows"] if w["mode"] == "plain"]
        keyed = [w for w in r["rows"] if w["mode"] == "keyed"]
        pairs = " · ".join(f"{k['rps'] / p['rps']:.2f}" for p, k in zip(plain, keyed))
        return f"{rate(keyed) / rate(plain):.2f} (run by run: {pairs})"
    row(7, "keyed / plain throughput (requests of both runs over their time)", "issue 13: the group commit keeps "
           "its throughput", ratio)

    def replay(s):
        r = svc(s)
        if not r:
            return "n/a"
        w = r["replay"]
        text = load(w)
        if w["answers"].get(409):
            text += " (a 409 here: the same key twice in flight at once on this instance)"
        return (text + f"; {r['replay_checked']} of the keys replayed once more by hand: {r['replay_wrong']} not the "
                f"first answer's ingestion_id with `Idempotent-Replayed: true` " + verdict(r["replay_wrong"] == 0))
    row(7, f"replays: every request repeats one of {wrk_threads(KEYS_CONNECTIONS) * REPLAY_KEYS_PER_THREAD:,} "
           f"keys used once before ({REPLAY_KEYS_PER_THREAD:,} per wrk thread, in turn), same body, "
           f"{KEYS_CONNECTIONS} connections, {ARGS.duration} s", "200 with the first answer, nothing stored", replay)

    def counts(s):
        r = svc(s)
        if not r:
            return "n/a"
        return (f"{r['count_ingestions']:,} ingestions for {r['expect_ingestions']:,} 2xx answers "
                f"(warm-up and rows {r['stored_ok']:,}, first uses of the replay keys {r['seeded']:,}); "
                f"{r['count_keys']:,} keys for {r['expect_keys']:,} "
                + verdict(r["count_ingestions"] == r["expect_ingestions"] and r["count_keys"] == r["expect_keys"]))
    row(7, "the store at the end (counted over JDBC after the stop) against the service's 2xx answers to "
           "POST /ingest (its /metrics): ingestions, and idempotency keys (keyed warm-up and rows, replay keys' first uses)",
        "equal: one ingestion per 2xx, none for a replay", counts)


# ---- issue 14 point 6: the dashboard's reads and event streams (BENCH_ONLY=dashboard) ---------

DASH_INTERVAL_MS = 100  # batches start 10 times a second while the queue runs
DASH_UPSTREAM_DELAY_MS = 50
DASH_CONNECTIONS = 64  # wrk's, filling the queue
DASH_WARMUP_CALLS = 20
DASH_CALLS = 200
DASH_WARMUP_BUDGET_S = 15  # a slow read is warmed up for this long at most (at least one call)...
DASH_READ_BUDGET_S = 45  # ... and timed for this long at most, once it has been timed DASH_MIN_CALLS times
DASH_MIN_CALLS = 10
DASH_LIMIT = 50
DASH_DEEP_PAGE = 20
DASH_STREAMS = 200
DASH_FILL_SETTLE_S = 10  # quiet after the fill, before the reads: the store's own work after a burst of writes
DASH_RUN_SETTLE_S = 30  # the queue runs this long before the first CPU window
DASH_STREAM_SETTLE_S = 5  # and this long with the streams open (or closed again) before the next
DASH_FILL_MAX_S = 1800  # a fill that takes longer fails
# POSTed between two timed reads, in turn (see timed_reads)
DASH_BETWEEN = tuple(('{"ids": [1, 2, 3], "priority": "%s"}' % p).encode() for p in ("HIGH", "MEDIUM", "LOW"))
# (label, path, what every entry must have) of the timed reads, in this order
DASH_READS = (
    ("GET /queue", "/queue", None),
    (f"GET /ingestions?limit={DASH_LIMIT} (first page)", f"/ingestions?limit={DASH_LIMIT}", None),
    ("… ?status=yet_to_start", f"/ingestions?status=yet_to_start&limit={DASH_LIMIT}", ("status", "yet_to_start")),
    ("… ?priority=LOW", f"/ingestions?priority=LOW&limit={DASH_LIMIT}", ("priority", "LOW")),
    ("… ?status=completed (none completed: nothing matches)", f"/ingestions?status=completed&limit={DASH_LIMIT}",
     ("status", "completed")),
    ("… ?status=triggered", f"/ingestions?status=triggered&limit={DASH_LIMIT}", ("status", "triggered")),
)


class KeepAlive:
    """One keep-alive HTTP/1.1 connection to the service (http.client), as a dashboard holds one."""

    def __init__(self, svc):
        self.host, self.port = "127.0.0.1", svc.port
        self.conn = None

    def request(self, method, path, body=None):
        """(status, body, seconds from sending the request to the last byte of the answer)."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                begin = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
                return resp.status, body, time.perf_counter() - begin
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # the server closed the idle connection: once more on a new one
                self.close()
                if attempt == 2:
                    raise

    def json(self, method, path):
        status, body, _ = self.request(method, path)
        if status != 200:
            raise RuntimeError(f"{method} {path} answered {status}: {body[:300]!r}")
        return json.loads(body)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def waiting_batches(queue):
    return sum(w["batches"] for w in queue["waiting"].values())


def batch_starts(svc):
    """ingest_batch_starts_total of this instance, first runs and re-runs."""
    with urllib.request.urlopen(svc.base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    return sum(float(m.group(1)) for m in re.finditer(r"^ingest_batch_starts_total(?:\{[^}]*\})? ([0-9.eE+-]+)$",
                                                        text, re.M))


def cpu_seconds(pid):
    """utime + stime of the process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()  # fields[0] is the state, the 3rd field of stat(5)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill_queue(args, svc, api, target):
    """wrk (bench/dash.lua) at DASH_CONNECTIONS until GET /queue shows `target` batches waiting,
    then SIGINT (wrk stops and prints its summary); returns wrk's figures, the seconds and the count."""
    cmd = ["wrk", "-t", str(wrk_threads(DASH_CONNECTIONS)), "-c", str(DASH_CONNECTIONS), "-d", f"{DASH_FILL_MAX_S}s",
           "--timeout", "5s", "-s", os.path.join(args.bench_dir, "dash.lua"), svc.base + "/ingest"]
    begin = time.monotonic()
    proc = register(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), args)
    waiting, last_log, last_seen, last_change = 0, begin, -1, begin
    try:
        while True:
            time.sleep(0.5)
            if proc.poll() is not None:
                raise RuntimeError(f"wrk ended with {waiting:,} of {target:,} batches waiting:\n{proc.stdout.read()}")
            waiting = waiting_batches(api.json("GET", "/queue"))
            now = time.monotonic()
            if waiting >= target:
                break
            if waiting != last_seen:
                last_seen, last_change = waiting, now
            elif now - last_change > 60:
                raise RuntimeError(f"no new ingestion for 60 s at {waiting:,} waiting:\n" + tail(svc.log_path))
            if now - last_log >= 30:
                last_log = now
                log(f"{svc.store}: filling: {waiting:,} batches waiting after {now - begin:.0f} s "
                    f"({waiting / (now - begin):,.0f}/s)")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    seconds = time.monotonic() - begin
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise RuntimeError(f"wrk printed no summary ({proc.returncode}):\n{out}")
    w = json.loads(match.group(1))
    w["errors"] = w["connect"] + w["read"] + w["write"] + w["status"] + w["timeout"]
    w["rps"] = w["requests"] / (w["duration_us"] / 1e6)
    # requests in flight when wrk stopped are stored after it: the count once two reads agree
    count = None
    for _ in range(40):
        now_count = waiting_batches(api.json("GET", "/queue"))
        if now_count == count:
            break
        count = now_count
        time.sleep(0.5)
    return w, seconds, count


def timed_reads(api, path, check=None):
    """DASH_WARMUP_CALLS untimed GETs, then DASH_CALLS timed ones on the keep-alive connection;
    every answer must be a 200 (and each entry of a list must match the filter). Before each GET,
    untimed, one POST /ingest of 3 ids (priorities in turn): H2 answers a query repeated with the
    same parameters from its last result as long as none of its tables has changed, so on a queue
    with nothing else written the GETs would measure that cache (on H2 with a million ingestions,
    ?status=yet_to_start: 0.9 ms from the cache, 4-5 s without), not what a dashboard reading a
    working queue gets."""
    times = []
    entries = None
    warmup, first = 0, None
    begin = time.monotonic()
    i = 0
    while len(times) < DASH_CALLS:
        status, body, _ = api.request("POST", "/ingest", DASH_BETWEEN[i % len(DASH_BETWEEN)])
        if status != 200:
            raise RuntimeError(f"POST /ingest between two reads answered {status}: {body[:300]!r}")
        status, body, seconds = api.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        first = seconds * 1000 if first is None else first
        if warmup < DASH_WARMUP_CALLS and (warmup == 0 or time.monotonic() - begin < DASH_WARMUP_BUDGET_S):
            warmup += 1
        else:
            if not times:
                begin = time.monotonic()
            times.append(seconds * 1000)
            if len(times) >= DASH_MIN_CALLS and time.monotonic() - begin > DASH_READ_BUDGET_S:
                break  # a slow read: what the budget allowed
        if i == 0 or len(times) == DASH_CALLS:
            doc = json.loads(body)
            if "ingestions" in doc:
                entries = len(doc["ingestions"])
                if check and any(e[check[0]] != check[1] for e in doc["ingestions"]):
                    raise RuntimeError(f"GET {path}: an entry whose {check[0]} is not {check[1]}")
        i += 1
    times.sort()
    return {"p50": percentile(times, 50), "p99": percentile(times, 99), "max": times[-1], "entries": entries,
            "calls": len(times), "warmup": warmup, "first": first}


def stream_rates(before, after, seconds):
    """Events received per stream per second between two snapshots: by kind (mean over the
    streams), and the slowest and fastest stream's total."""
    n = len(after["counts"])
    kinds = {}
    per_stream = []
    for a, b in zip(before["counts"], after["counts"]):
        total = 0
        for kind, count in b.items():
            if kind == "comment":
                continue
            delta = count - a.get(kind, 0)
            kinds[kind] = kinds.get(kind, 0) + delta
            total += delta
        per_stream.append(total / seconds)
    return {"kinds": {k: v / n / seconds for k, v in kinds.items()}, "mean": sum(per_stream) / n,
            "min": min(per_stream), "max": max(per_stream), "bytes_s": (after["bytes"] - before["bytes"]) / n / seconds}


def cpu_window(svc, seconds, readers=None):
    """The service's CPU seconds (and batch starts, and the streams' events) over `seconds`."""
    starts0 = batch_starts(svc)
    snap0 = readers.snapshot() if readers else None
    cpu0, t0, own0 = cpu_seconds(svc.proc.pid), time.monotonic(), time.process_time()
    time.sleep(seconds)
    cpu1, t1, own1 = cpu_seconds(svc.proc.pid), time.monotonic(), time.process_time()
    snap1 = readers.snapshot() if readers else None
    starts1 = batch_starts(svc)
    w = {"seconds": t1 - t0, "cpu_s": cpu1 - cpu0, "cpu_per_min": (cpu1 - cpu0) / (t1 - t0) * 60,
         "starts_s": (starts1 - starts0) / (t1 - t0), "rss": svc.rss()}
    if readers:
        w["readers_cpu_per_min"] = (own1 - own0) / (t1 - t0) * 60  # this process: the readers' thread
        w["events"] = stream_rates(snap0, snap1, snap1["at"] - snap0["at"])
        w["closed"] = snap1["closed"]
        w["errors"] = snap1["errors"]
    return w


def bench_dash_store(args, store, env):
    """Fill (dispatch paused), the timed reads, then CPU over a running queue with 0 and 200 streams."""
    folder = os.path.join(args.work, f"service-{store}")
    os.makedirs(folder)
    env = {**env, "INGEST_INTERVAL": f"{DASH_INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{DASH_UPSTREAM_DELAY_MS}ms"}
    log(f"{store}: bin/ingestion-service, port and data folder fresh, INGEST_INTERVAL={DASH_INTERVAL_MS}ms, "
        f"INGEST_UPSTREAM_DELAY={DASH_UPSTREAM_DELAY_MS}ms")
    svc = Service(args, store, env, folder)
    api = KeepAlive(svc)
    readers = None
    r = {"store": store}
    try:
        r["startup_s"] = svc.await_healthy()
        r["jvm_options"] = svc.jvm_options()
        log(f"{store}: healthy after {r['startup_s']:.1f} s (java {r['jvm_options']})")
        if api.json("POST", "/queue/pause").get("paused") is not True:
            raise RuntimeError("POST /queue/pause did not answer paused: true")
        log(f"{store}: dispatch paused; filling the queue with {args.dash_ingestions:,} single-batch ingestions "
            f"(wrk bench/dash.lua, {DASH_CONNECTIONS} connections, priorities at random)")
        w, seconds, count = fill_queue(args, svc, api, args.dash_ingestions)
        r["fill"] = {"wrk": w, "seconds": seconds, "count": count}
        time.sleep(DASH_FILL_SETTLE_S)
        r["rss_filled"] = svc.rss()
        queue = api.json("GET", "/queue")
        r["by_priority"] = {p: queue["waiting"][p]["batches"] for p in ("HIGH", "MEDIUM", "LOW")}
        log(f"{store}: {count:,} batches waiting after {seconds:.0f} s of wrk ({w['rps']:,.0f} req/s, "
            f"{w['errors']} errors; {', '.join(f'{p} {n:,}' for p, n in r['by_priority'].items())}); "
            f"RSS {r['rss_filled']:.0f} MB")

        r["reads"] = []
        for label, path, check in DASH_READS:
            t = timed_reads(api, path, check)
            r["reads"].append((label, t))
            log(f"{store}: {label}: {read_text(t)}")
        cursor, pages = None, 0
        for _ in range(DASH_DEEP_PAGE - 1):  # pages 1 .. 19: the cursor of page 20
            page = api.json("GET", f"/ingestions?limit={DASH_LIMIT}" + (f"&after={cursor}" if cursor else ""))
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        if cursor is None:
            raise RuntimeError(f"GET /ingestions had only {pages} pages")
        t = timed_reads(api, f"/ingestions?limit={DASH_LIMIT}&after={cursor}")
        label = f"… page {DASH_DEEP_PAGE} (the cursor followed {DASH_DEEP_PAGE - 1} times)"
        r["reads"].append((label, t))
        log(f"{store}: {label}: {read_text(t)}")
        r["rss_reads"] = svc.rss()

        if api.json("POST", "/queue/resume").get("paused") is not False:
            raise RuntimeError("POST /queue/resume did not answer paused: false")
        api.close()
        log(f"{store}: dispatch resumed; {DASH_RUN_SETTLE_S} s of the running queue, then {args.dash_seconds} s "
            f"with no event stream")
        time.sleep(DASH_RUN_SETTLE_S)
        r["cpu0"] = cpu_window(svc, args.dash_seconds)
        log(f"{store}: 0 streams: {r['cpu0']['cpu_per_min']:.2f} CPU s/min, {r['cpu0']['starts_s']:.1f} starts/s")

        readers = SseReaders("127.0.0.1", svc.port, DASH_STREAMS).start()
        if not readers.await_first("queue", 60):
            snap = readers.snapshot()
            raise RuntimeError(f"not every one of {DASH_STREAMS} GET /events streams had its first queue event "
                               f"within 60 s ({snap['closed']} closed; {snap['errors']})")
        log(f"{store}: {DASH_STREAMS} GET /events streams open and reading; {DASH_STREAM_SETTLE_S} s, then "
            f"{args.dash_seconds} s measured")
        time.sleep(DASH_STREAM_SETTLE_S)
        r["cpu200"] = cpu_window(svc, args.dash_seconds, readers)
        c = r["cpu200"]
        log(f"{store}: {DASH_STREAMS} streams: {c['cpu_per_min']:.2f} CPU s/min, {c['starts_s']:.1f} starts/s, "
            f"{c['events']['mean']:.1f} events/s per stream ({events_by_kind(c['events'])}), "
            f"{c['closed']} streams closed by the service; RSS {c['rss']:.0f} MB")
        readers.stop()
        readers = None
        log(f"{store}: streams closed; {DASH_STREAM_SETTLE_S} s, then {args.dash_seconds} s with no event stream "
            f"again")
        time.sleep(DASH_STREAM_SETTLE_S)
        r["cpu0_after"] = cpu_window(svc, args.dash_seconds)
        log(f"{store}: 0 streams again: {r['cpu0_after']['cpu_per_min']:.2f} CPU s/min, "
            f"{r['cpu0_after']['starts_s']:.1f} starts/s")
        r["waiting_end"] = waiting_batches(api.json("GET", "/queue"))
    finally:
        if readers:
            readers.stop()
        api.close()
        svc.stop()
    return r


def read_text(t):
    text = f"p50 {t['p50']:.2f} ms · p99 {t['p99']:.2f} ms · max {t['max']:.1f} ms"
    notes = [] if t["entries"] is None else [f"{t['entries']} entries"]
    if t["calls"] < DASH_CALLS or t["warmup"] < DASH_WARMUP_CALLS:
        notes.append(f"out of time: {t['calls']} timed calls after {t['warmup']}; the first took {t['first']:,.0f} ms")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def events_by_kind(e):
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted(e["kinds"].items()))


def measure_dashboard(args, results):
    if "h2" in args.stores:
        url = "jdbc:h2:file:" + os.path.join(args.work, "service-h2", "data", "ingest")
        results["h2"] = bench_dash_store(args, "h2", {"INGEST_DB_URL": url})
    if "postgres" in args.stores:
        url = f"jdbc:postgresql://{args.pg_host_port}/postgres"
        results["postgres"] = bench_dash_store(args, "postgres", {
            "INGEST_DB_URL": url, "INGEST_DB_USER": args.pg_user, "INGEST_DB_PASSWORD": args.pg_password})


def dashboard_rows(row, svc):
    """The rows of issue 14 point 6 (BENCH_ONLY=dashboard)."""
    def fill(s):
        r = svc(s)
        if not r:
            return "n/a"
        f, w = r["fill"], r["fill"]["wrk"]
        return (f"{f['count']:,} batches waiting ({', '.join(f'{p} {n:,}' for p, n in r['by_priority'].items())}) "
                f"after {f['seconds'] / 60:.1f} min · {w['rps']:,.0f} req/s · p99 {w['p99_us'] / 1000:.1f} ms · "
                f"{w['errors']:,} errors · RSS {DASH_FILL_SETTLE_S} s after {r['rss_filled']:,.0f} MB")
    row(8, f"fill, dispatch paused: POST /ingest of 3 ids (one batch each), priority at random, "
           f"{DASH_CONNECTIONS} connections (wrk bench/dash.lua) until GET /queue shows "
           f"{ARGS.dash_ingestions:,} batches waiting", "", fill)

    for i, (label, _, _) in enumerate(DASH_READS + (("page", None, None),)):
        target = i < 2

        def cell(s, i=i, target=target):
            r = svc(s)
            if not r:
                return "n/a"
            t = r["reads"][i][1]
            return read_text(t) + (" " + verdict(t["p99"] < 10) if target else "")
        if i == len(DASH_READS):
            label = f"… page {DASH_DEEP_PAGE} (the cursor followed {DASH_DEEP_PAGE - 1} times)"
        what = label
        if i == 0:
            what = (f"{label} with the queue filled, dispatch paused; each read {DASH_CALLS} times after "
                    f"{DASH_WARMUP_CALLS} (a slow read: for {DASH_READ_BUDGET_S} s, at least {DASH_MIN_CALLS} times), "
                    f"one keep-alive connection (Python http.client), an untimed POST /ingest of 3 ids before each")
        row(8, what, "p99 < 10 ms" if target else "", cell)

    def cpu_text(c):
        return f"{c['cpu_per_min']:.2f} CPU s/min ({c['starts_s']:.1f} starts/s)"

    def baseline(r):
        return (r["cpu0"]["cpu_per_min"] + r["cpu0_after"]["cpu_per_min"]) / 2

    def cpu0(s):
        r = svc(s)
        if not r:
            return "n/a"
        return (f"{baseline(r):.2f} CPU s/min (before the streams {cpu_text(r['cpu0'])}; after them "
                f"{cpu_text(r['cpu0_after'])})")
    row(8, f"CPU of the service's process (utime + stime) over {ARGS.dash_seconds} s of a running queue "
           f"(dispatch resumed, `INGEST_INTERVAL={DASH_INTERVAL_MS}ms`, the backlog kept), no event stream: "
           f"the mean of a window before the streams and one after them", "", cpu0)
    row(8, f"the same with {DASH_STREAMS} open GET /events streams, each read as it arrives", "",
        lambda s: cpu_text(svc(s)["cpu200"]) if svc(s) else "n/a")

    def per_stream(s):
        r = svc(s)
        if not r:
            return "n/a"
        extra = r["cpu200"]["cpu_per_min"] - baseline(r)
        return f"{extra / DASH_STREAMS * 1000:.1f} ms CPU/min per stream ({extra:+.2f} CPU s/min for {DASH_STREAMS})"
    row(8, f"CPU per open stream: (CPU with {DASH_STREAMS} − CPU with 0) / {DASH_STREAMS}", "", per_stream)

    def events(s):
        r = svc(s)
        if not r:
            return "n/a"
        c = r["cpu200"]
        e = c["events"]
        return (f"{e['mean']:.1f} events/s per stream ({events_by_kind(e)}; slowest stream {e['min']:.1f}, "
                f"fastest {e['max']:.1f}; {e['bytes_s'] / 1000:.1f} kB/s; the readers used "
                f"{c['readers_cpu_per_min']:.2f} CPU s/min) · {c['closed']} of {DASH_STREAMS} streams "
                f"closed by the service " + verdict(c["closed"] == 0))
    row(8, "events received per stream per second over that window", "no stream dropped", events)
    row(8, f"RSS with {DASH_STREAMS} streams open (end of the window; with none, end of the first)", "",
        lambda s: f"{svc(s)['cpu200']['rss']:,.0f} MB (none: {svc(s)['cpu0']['rss']:,.0f} MB)" if svc(s) else "n/a")


# ---- the table --------------------------------------------------------------------------------

def ms(seconds):
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def verdict(ok):
    return "**met**" if ok else "**MISSED**"


def load_cell(w, top):
    """`13,273 req/s (58% of 22,900) · p50 … · p99 … · 0 errors`: throughput as a share of the
    ceiling's in the same row (`top`, wrk's figures), the absolute figures beside."""
    return (f"{of_ceiling(w, top)} · p50 {w['p50_us'] / 1000:.2f} ms · p99 {w['p99_us'] / 1000:.1f} ms · "
            f"{w['errors']:,} errors")


def table(results, claims, stores, top=None):
    names = {"h2": "embedded (H2 file)", "postgres": "PostgreSQL"}
    cols = [s for s in stores if s in results or any(c["store"] == s for c in claims)]
    head = "| # | what | target | " + " | ".join(names[s] for s in cols) + " |"
    rows = [head, "|---|---|---|" + "---|" * len(cols)]

    def row(num, what, target, cell):
        rows.append(f"| {num} | {what} | {target} | " + " | ".join(cell(s) for s in cols) + " |")

    def svc(s):
        return results.get(s)

    if ARGS.only == "upstream":
        upstream_rows(row, svc)
        return "\n".join(rows)
    if ARGS.only == "keys":
        keys_rows(row, svc)
        return "\n".join(rows)
    if ARGS.only == "dashboard":
        dashboard_rows(row, svc)
        return "\n".join(rows)
    if ARGS.only == "claim":
        claim_rows(row, claims)
        return "\n".join(rows)

    # rows 0: the no-work ceiling (bench/Ceiling.java), one per run, shown in every column
    top = top or {}
    ceiling_load = top.get("load", {})
    for c in CONCURRENCY:
        if c in ceiling_load:
            row(0, f"ceiling (no-work JDK HttpServer): POST /ingest, {c} connection{'s' if c > 1 else ''}, "
                   f"{ARGS.duration} s", "", lambda s, c=c: load_cell(ceiling_load[c], None))
    if "status" in top:
        row(0, f"ceiling: GET /status/… ({top['status_bytes']} bytes), 64 connections, {ARGS.duration} s", "",
            lambda s: load_cell(top["status"], None))

    def ceiling_of(w, first):
        """The ceiling measured right before the row whose figures are `w` (beside), else `first`,
        its figure in rows 0."""
        return w.get("beside") or first

    targets = {1: ("p50 < 0.5 ms", lambda w, top_w: w["p50_us"] < 500),
               64: ("≥ 60% of the ceiling, p99 < 10 ms, 0 errors",
                    lambda w, top_w: top_w and share(w, top_w) >= 0.6 and w["p99_us"] < 10_000
                    and w["errors"] == 0)}
    for c in CONCURRENCY:
        def cell(s, c=c):
            r = svc(s)
            if not r:
                return "n/a"
            w = r["load"][c]
            top_w = ceiling_of(w, ceiling_load.get(c))
            text = load_cell(w, top_w)
            if c in targets:
                text += " " + verdict(targets[c][1](w, top_w))
            return text
        row(1, f"ingest 5 ids, {c} connection{'s' if c > 1 else ''}, {ARGS.duration} s",
            targets[c][0] if c in targets else "", cell)

    def status_cell(s):
        r = svc(s)
        if not r or "status_load" not in r:
            return "n/a"
        w = r["status_load"]
        top_w = ceiling_of(w, top.get("status"))
        ok = top_w and share(w, top_w) >= 0.7
        return f"{load_cell(w, top_w)} ({r['status_bytes']} bytes) {verdict(ok)}"
    row(1, f"GET /status of a small ingestion (5 ids, waiting behind the load's), 64 connections, {ARGS.duration} s "
           f"(after {status_warmup(ARGS)} s of it at 16)", "≥ 70% of the ceiling's GET", status_cell)

    def keyed_cell(s):
        r = svc(s)
        if not r or "keyed" not in r:
            return "n/a"
        w = r["keyed"]
        other = {st: n for st, n in w["answers"].items() if not 200 <= st < 300}
        top_w = ceiling_of(w, ceiling_load.get(KEYS_CONNECTIONS))
        text = load_cell(w, top_w)
        if other:
            text += f" ({statuses(other)})"
        bugs = [f"{other[st]:,}× {st}" for st in (409, 422) if other.get(st)]
        if bugs:
            text += " **BUG: " + ", ".join(bugs) + "**"
        ok = (top_w and share(w, top_w) >= 0.45 and w["p99_us"] < 10_000
              and w["errors"] == 0 and not other)
        return text + " " + verdict(ok)
    row(1, f"ingest 5 ids with an API key and a new `Idempotency-Key` on every request (`bench/keys.lua`), "
           f"{KEYS_CONNECTIONS} connections, {ARGS.duration} s: a second start on the same store, warmed up as in "
           f"`BENCH_ONLY=keys`", "≥ 45% of the ceiling, p99 < 10 ms, 0 errors", keyed_cell)

    for n in LARGE_SIZES:
        def cell(s, n=n):
            r = svc(s)
            if not r:
                return "n/a"
            post_s, status_s, size = r["large"][n]
            text = f"200 after {ms(post_s)} · status ({size / 1e6:.1f} MB) after {ms(status_s)}"
            if n == 1_000_000:
                text += " " + verdict(post_s < 0.5 and status_s < 1)
            return text
        row(2, f"one POST of {n:,} ids, then its full GET /status", "< 0.5 s · < 1 s" if n == 1_000_000 else "",
            cell)

    def behind(s):
        r = svc(s)
        if not r:
            return "n/a"
        seconds, position = r["behind"]
        small = sum(w["requests"] for w in r["load"].values()) + r["warmup_requests"]
        return f"{ms(seconds)} (~{small:,} small ingestions ahead, queue position {position:,})"
    row(2, "GET /status of a 10-id LOW ingestion behind everything the run queued (median of 3)", "", behind)

    claim_level_rows(row, claims, "single-batch ingestions", "single-batch ingestions")

    def one_cell(s):
        c = find_claim(claims, s, "one ingestion of 3000000 ids", 1_000_000)  # ClaimBench --one 3000000
        return f"p50 {c['p50_ms']:.2f} ms · p99 {c['p99_ms']:.2f} ms" if c else "n/a"
    row(3, "claim the next batch, 1,000,000 batches waiting in one ingestion of 3,000,000 ids", "", one_cell)

    def rh_cell(key):
        def cell(s):
            r = svc(s)
            rh = r and r[key]
            if not rh:
                return "n/a"
            text = f"late p50 {rh['p50']:.1f} ms · p99 {rh['p99']:.1f} ms · max {rh['max']:.1f} ms · " \
                   f"{rh['wasted']} wasted · smallest gap {rh['min_gap']:.1f} ms"
            if key == "rhythm":
                text += " " + verdict(rh["p99"] < 20 and rh["wasted"] == 0 and rh["min_gap"] >= INTERVAL_MS)
            return text
        return cell
    row(4, f"rhythm: {RHYTHM_STARTS} starts at a {INTERVAL_MS} ms interval, work waiting, upstream delay "
           f"{UPSTREAM_DELAY_MS} ms", "p99 late < 20 ms, 0 wasted, no gap < 200 ms", rh_cell("rhythm"))
    row(4, "rhythm during the 64-connection load (same measures, the starts of that run)", "", rh_cell("rhythm_load"))

    row(5, "RSS at idle (3 s after the first healthy /health)", "",
        lambda s: f"{svc(s)['rss_idle']:,.0f} MB" if svc(s) else "n/a")
    row(5, "RSS with 1,000,000 ids waiting (2 s after their 200, before any load)", "< 256 MB",
        lambda s: f"{svc(s)['rss_1m']:,.0f} MB {verdict(svc(s)['rss_1m'] < 256)}" if svc(s) else "n/a")
    row(5, "RSS at the end (after the load and the large requests, > 2,000,000 ids waiting)", "",
        lambda s: f"{svc(s)['rss_end']:,.0f} MB" if svc(s) else "n/a")
    row(5, "`bin/ingestion-service` to the first healthy /health (class-data sharing, archive in place; Spring AOT)",
        "< 3 s",
        lambda s: f"{svc(s)['startup_s']:.1f} s {verdict(svc(s)['startup_s'] < 3)}" if svc(s) else "n/a")
    row(5, "the same with `INGEST_CDS=off` (fresh H2 folder)", "",
        lambda s: f"{svc(s)['startup_off_s']:.1f} s" if svc(s) and "startup_off_s" in svc(s) else "n/a")
    row(5, "the same with `INGEST_AOT=off` (archive in place, fresh H2 folder)", "",
        lambda s: f"{svc(s)['startup_aot_off_s']:.1f} s" if svc(s) and "startup_aot_off_s" in svc(s) else "n/a")
    row(5, "the first start after a build, which records the archive (fresh H2 folder)", "",
        lambda s: f"{svc(s)['startup_first_s']:.1f} s" if svc(s) and "startup_first_s" in svc(s) else "n/a")
    upstream_rows(row, svc)
    return "\n".join(rows)


def machine_facts(args):
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception:
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    java = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()
    return {
        "cores": os.cpu_count(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "java": " / ".join(line.strip() for line in java[:2]),
        "kernel": f"{platform.system()} {platform.release()}",
        "os": first(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "wrk": first(["sh", "-c", "wrk -v 2>&1 | head -1"]).split(" Copyright")[0],
        "postgres": args.pg_version,
        "load": " ".join(open("/proc/loadavg").read().split()[:3]),
        "host": platform.node(),
    }


def ceiling_fact(top):
    """The header's line on the ceiling (rows 0)."""
    return (f"- ceiling (rows 0; the service's throughputs are shares of it): `java {top['jvm_opts']} "
            f"bench/Ceiling.java`, the launcher's JVM options and TCP_NODELAY; a JDK HttpServer on 127.0.0.1 with "
            f"a fixed pool of 200 platform threads (Tomcat's default maximum) doing no work: POST /ingest read to "
            f"its end and discarded, 202 and a 55-byte JSON body; GET /status/… 200 and {top['status_bytes']} "
            f"bytes of fixed JSON; measured before the stores (rows 0) with the service's wrk scripts, warm-up and "
            f"levels, then kept up and measured again right before each of the service's throughput rows with "
            f"that row's script, connections and duration: each share is of that adjacent figure (the host's "
            f"speed drifts by ±20% within minutes); load average at its start {top['load_start']}")


def record(args, facts, text, elapsed, top=None):
    path = args.record
    new = not os.path.exists(path)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    interval_ms, delay_ms = ((DASH_INTERVAL_MS, DASH_UPSTREAM_DELAY_MS) if args.only == "dashboard"
                             else (INTERVAL_MS, UPSTREAM_DELAY_MS))
    entry = [
        f"## {when}, {facts['cores']} cores, {facts['cpu']}",
        "",
        f"- machine: {facts['cores']} cores ({facts['cpu']}), {facts['memory']} memory, {facts['os']}, "
        f"kernel {facts['kernel']}, host `{facts['host']}`; load average at the start {facts['load_start']}",
        f"- {facts['java']}; {facts['postgres']}; {facts['wrk']}",
        (f"- no service: `dev.ingestion.bench.ClaimBench` (`java -cp`, the test classpath, no JVM options) calls "
         f"`QueueStore.claim` on a fresh database per store and mode; interval 1 ms; {args.claims} measured claims "
         f"per backlog level" if args.only == "claim" else
         f"- service: `bin/ingestion-service`{f' with `JAVA_OPTS={args.java_opts}`' if args.java_opts else ''}, "
         f"which ran `java {facts['jvm_options']} -jar`, `INGEST_INTERVAL={interval_ms}ms`, "
         f"`INGEST_UPSTREAM_DELAY={delay_ms}ms`, other settings default"
         + {"": f"; wrk warm-up {args.warmup} s, each load level {args.duration} s, GET /status warmed up "
               f"{status_warmup(args)} s; the keyed row on a second start with `INGEST_API_KEYS={KEYS_NAME}:<32 hex "
               f"characters, new each run>`, warmed up {args.warmup} s plain and {max(1, args.warmup // 2)} s keyed; "
               f"{args.claims} measured claims per backlog level",
           "upstream": "",
           "keys": f", `INGEST_API_KEYS={KEYS_NAME}:<32 hex characters, new each run>`; wrk (bench/keys.lua) "
                   f"warm-up {args.warmup} s at 16 connections, then {max(1, args.warmup // 2)} s with a new "
                   f"Idempotency-Key on every request, each row {args.duration} s at {KEYS_CONNECTIONS} connections",
           "dashboard": f"; fill with wrk (bench/dash.lua) at {DASH_CONNECTIONS} connections to "
                        f"{args.dash_ingestions:,} waiting batches, dispatch paused; reads from Python (http.client, one "
                        f"keep-alive connection); CPU windows of {args.dash_seconds} s, {DASH_STREAMS} streams read by "
                        f"bench/sse_readers.py"}[args.only]),
        *([ceiling_fact(top)] if top else []),
        *([] if args.only in ("keys", "dashboard", "claim") else [
            f"- rows 6 (H2 only): `INGEST_UPSTREAM_FAILURE_RATE={FAILURE_RATE}`, `INGEST_UPSTREAM_SEED={FAILURE_SEED}`, "
            f"`INGEST_RETRY_BACKOFF={RETRY_BACKOFF_MS}ms`; the stub (bench/stub_upstream.py): a token bucket of "
            f"{STUB_ALLOWANCE} ids per period refilled continuously, {STUB_TOLERANCE:.0%} tolerance, 429 with "
            f"`Retry-After: {STUB_RETRY_AFTER}`, service with `INGEST_UPSTREAM_URL=http://127.0.0.1:<port>/items/{{id}}`, "
            f"`INGEST_MAX_INTERVAL={STUB_MAX_INTERVAL}`; slots read from the stub's log of calls"]),
        f"- `bench/run` took {elapsed / 60:.1f} min" + {"": "", "upstream": " (`BENCH_ONLY=upstream`: only rows 6)",
                                                        "keys": " (`BENCH_ONLY=keys`: only rows 7)",
                                                        "dashboard": " (`BENCH_ONLY=dashboard`: only rows 8)",
                                                        "claim": " (`BENCH_ONLY=claim`: only rows 3's backlog levels, "
                                                                 "with each `INGEST_FAIRNESS`)"}[args.only],
        "",
        text,
        "",
    ]
    if not new:
        with open(path) as f:
            ending = f.read()[-2:]
        if ending != "\n\n":
            entry.insert(0, "" if ending.endswith("\n") else "\n")
    with open(path, "a") as f:
        if new:
            f.write("# Benchmarks\n\nEntries appended by `bench/run`, newest last.\n\n")
        f.write("\n".join(entry) + "\n")


def measure_all(args, results):
    """The start-up figures, the ceiling, then items 1, 2, 4 and 5 once per store, each store's keyed
    row on a second start of its service; returns the ceiling's figures."""
    # first: the start-up figures, whose first default start records the class-data sharing
    # archive that every later start uses (on H2 whatever the stores: they are shown in its column)
    first = startups(args)
    began = time.monotonic()
    top = measure_ceiling(args, CONCURRENCY, free_port(), register, stop, run_wrk, log)
    extend_deadline(args, time.monotonic() - began)
    common = {"INGEST_INTERVAL": f"{INTERVAL_MS}ms", "INGEST_UPSTREAM_DELAY": f"{UPSTREAM_DELAY_MS}ms"}
    if "h2" in args.stores:
        url = "jdbc:h2:file:" + os.path.join(args.work, "service-h2", "data", "ingest")
        env = {**common, "INGEST_DB_URL": url}
        results["h2"] = bench_store(args, "h2", env, (url, "", ""))
        results["h2"].update(first)
        results["h2"]["keyed"] = bench_keyed_row(args, "h2", env)
    if "postgres" in args.stores:
        url = f"jdbc:postgresql://{args.pg_host_port}/postgres"
        env = {**common, "INGEST_DB_URL": url, "INGEST_DB_USER": args.pg_user, "INGEST_DB_PASSWORD": args.pg_password}
        results["postgres"] = bench_store(args, "postgres", env, (url, args.pg_user, args.pg_password))
        results["postgres"]["keyed"] = bench_keyed_row(args, "postgres", env)
    return top


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--bench-dir", required=True)
    p.add_argument("--jar", required=True)
    p.add_argument("--classpath", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--launcher", required=True, help="bin/ingestion-service")
    p.add_argument("--java-opts", default="", help="JVM options for the service after the launcher's (JAVA_OPTS)")
    p.add_argument("--deadline", type=float, default=0, help="epoch seconds by which filling backlogs must stop")
    p.add_argument("--stores", default="h2,postgres")
    p.add_argument("--pg-host-port")
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--pg-password", default="postgres")
    p.add_argument("--pg-version", default="PostgreSQL")
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--duration", type=int, default=20)
    p.add_argument("--claims", type=int, default=400)
    p.add_argument("--levels", default="10,10000,1000000", help="backlogs of the claim benchmark")
    p.add_argument("--record", help="append the table to this Markdown file")
    p.add_argument("--only", default="", help="upstream: only the rows of issue 12 item 7 (H2); keys: only "
                                               "those of issue 13's idempotency keys; dashboard: only those of "
                                               "issue 14 point 6")
    p.add_argument("--dash-ingestions", type=int, default=1_000_000,
                   help="dashboard: single-batch ingestions waiting while the reads are timed")
    p.add_argument("--dash-seconds", type=int, default=60, help="dashboard: seconds of each CPU window")
    p.add_argument("--started-epoch", type=float, default=time.time(), help="when bench/run started")
    args = ARGS = p.parse_args()
    args.stores = [s for s in args.stores.split(",") if s]
    args.levels = [int(n) for n in args.levels.split(",")]
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    watch_parent()

    facts = machine_facts(args)
    facts["load_start"] = facts["load"]
    results = {}
    claims = []
    top = None  # the ceiling's figures (default mode only)
    if args.only not in ("", "upstream", "keys", "dashboard", "claim"):
        raise SystemExit(f"unknown BENCH_ONLY={args.only}: upstream, keys, dashboard, claim, or empty for every row")
    try:
        if args.only == "keys":
            measure_keys(args, results)
        elif args.only == "dashboard":
            measure_dashboard(args, results)
        elif args.only == "claim":
            log("claim benchmark (ClaimBench) with INGEST_FAIRNESS " + ", ".join(FAIRNESS_MODES))
            claims = claim_bench(args)
        elif args.only == "upstream":
            results["h2"] = bench_upstream(args)
            results["h2"]["jvm_options"] = results["h2"]["upstream_jvm_options"]
        else:
            top = measure_all(args, results)
            log("claim benchmark (ClaimBench): filling backlogs of single-batch ingestions, then claiming")
            claims = claim_bench(args)
            if "h2" in results:  # issue 12 item 7, after the claim benchmark so as not to eat its budget
                results["h2"].update(bench_upstream(args))
    finally:
        stop_ceiling(stop)
        cleanup()
    facts["jvm_options"] = next((r["jvm_options"] for r in results.values()), "?")
    text = table(results, claims, args.stores, top)
    elapsed = time.time() - args.started_epoch
    print()
    print(text)
    print()
    if args.record:
        record(args, facts, text, elapsed, top)
        log(f"table appended to {args.record}")
    if args.only == "keys":
        problems = [f"{store}: {p}" for store, r in results.items() for p in keys_problems(r)]
        for p in problems:
            log(f"BUG: {p}")
        if problems:
            raise SystemExit(f"BENCH_ONLY=keys found {len(problems)} problem(s) that are not noise: see BUG above")


ARGS = None

if __name__ == "__main__":
    main()
