"""The no-work ceiling of bench/run (issue 18 point 1): bench/Ceiling.java, a JDK HttpServer that
answers the service's POST /ingest and GET /status/<id> with fixed bodies and no work, started with
the launcher's JVM options and measured with the same wrk scripts as the service, so that each of
the service's throughputs prints as a share of what this machine can answer at all."""

import os
import subprocess
import time
import urllib.error
import urllib.request

NODELAY = "-Dsun.net.httpserver.nodelay=true"  # TCP_NODELAY on accepted sockets, as Tomcat does
# The ingest warm-up's connections, for the ceiling and the service alike: the level the targets
# are set at. Warmed up at 16, the service measured 10,500 req/s at 64 where the same build warmed
# up at 64 answered 13,000-15,000 (issue 18): C2 compiles what the load it sees makes hot.
WARMUP_CONNECTIONS = 64


def launcher_jvm_opts(launcher):
    """The JVM_OPTS array of bin/ingestion-service, as bash reads it (comments and all)."""
    script = 'eval "$(sed -n "/^JVM_OPTS=($/,/^)$/p" "$1")"; printf "%s\\n" "${JVM_OPTS[@]}"'
    out = subprocess.run(["bash", "-c", script, "bash", launcher], capture_output=True, text=True, check=True)
    opts = out.stdout.split()
    if not any(o.startswith("-Xmx") for o in opts):
        raise RuntimeError(f"no -Xmx among the JVM_OPTS read from {launcher}: {opts}")
    return opts


class CeilingServer:
    def __init__(self, args, port, register):
        self.jvm_opts = launcher_jvm_opts(args.launcher) + [NODELAY]
        self.command = [args.java, *self.jvm_opts, os.path.join(args.bench_dir, "Ceiling.java"), str(port)]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = os.path.join(args.work, "ceiling.log")
        self.log_file = open(self.log_path, "w")
        self.proc = register(subprocess.Popen(self.command, stdout=self.log_file, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL), args)

    def await_ready(self, deadline_s=60):
        started = time.monotonic()
        while time.monotonic() - started < deadline_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bench/Ceiling.java exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/status/ready", timeout=1) as r:
                    return len(r.read())
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError(f"bench/Ceiling.java did not answer within {deadline_s} s; see {self.log_path}")


# The ceiling stays up after its rows, idle, to be measured again right before each of the
# service's throughput rows (beside): this host's speed drifts by ±20% within minutes, so a share
# against a ceiling measured minutes earlier says as much about the drift as about the service.
_server = None


def measure_ceiling(args, levels, port, register, stop, run_wrk, log):
    """Warm-up and rows as the service's: POST at each of `levels` connections, then GET /status at
    64 after its own warm-up; the server is left running for `beside` until `stop_ceiling`.
    Returns {"load": {connections: wrk}, "status": wrk, ...}."""
    global _server
    server = CeilingServer(args, port, register)
    r = {"jvm_opts": " ".join(server.jvm_opts), "load_start": " ".join(open("/proc/loadavg").read().split()[:3])}
    try:
        r["status_bytes"] = server.await_ready()
        log(f"ceiling: bench/Ceiling.java ({r['jvm_opts']}) ready; warming up, {args.warmup} s of wrk at {WARMUP_CONNECTIONS} connections")
        run_wrk(args, server, WARMUP_CONNECTIONS, args.warmup)
        r["load"] = {}
        for c in levels:
            w = r["load"][c] = run_wrk(args, server, c, args.duration)
            log(f"ceiling: {c:2d} connections: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, "
                f"p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors")
        env = {"BENCH_STATUS_ID": "ceiling"}
        run_wrk(args, server, 16, status_warmup(args), script="status.lua", env=env)
        w = r["status"] = run_wrk(args, server, 64, args.duration, script="status.lua", env=env)
        log(f"ceiling: GET /status, 64 connections: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, "
            f"p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors")
    except BaseException:
        _close(server, stop)
        raise
    _server = server
    return r


def beside(args, run_wrk, log, what, connections, script="post.lua", env=None):
    """The ceiling again, with a service row's script, connections and duration, right before that
    row; None when no ceiling runs (the BENCH_ONLY modes)."""
    if _server is None:
        return None
    w = run_wrk(args, _server, connections, args.duration, script=script, env=env)
    log(f"ceiling beside {what}: {w['rps']:,.0f} req/s, p50 {w['p50_us'] / 1000:.2f} ms, "
        f"p99 {w['p99_us'] / 1000:.2f} ms, {w['errors']} errors")
    return w


def beside_status(args, run_wrk, log, what):
    return beside(args, run_wrk, log, what, 64, script="status.lua", env={"BENCH_STATUS_ID": "ceiling"})


def stop_ceiling(stop):
    global _server
    if _server is not None:
        _close(_server, stop)
        _server = None


def _close(server, stop):
    stop(server.proc, grace=10)
    server.log_file.close()


def status_warmup(args):
    """Seconds of GET /status at 16 connections before its row, for the ceiling and the service alike."""
    return max(1, args.warmup // 4)


def of_ceiling(w, top):
    """`13,273 req/s (58% of 22,900)`; just the rate when there is no ceiling."""
    if not top:
        return f"{w['rps']:,.0f} req/s"
    return f"{w['rps']:,.0f} req/s ({share(w, top):.0%} of {top['rps']:,.0f})"


def share(w, top):
    return w["rps"] / top["rps"]
