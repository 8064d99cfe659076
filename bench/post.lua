-- wrk script of bench/run, item 1: POST /ingest of 5 ids, and a machine-readable summary.
wrk.method = "POST"
wrk.path = "/ingest"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"ids": [1, 2, 3, 4, 5], "priority": "MEDIUM"}'

-- errors.status counts answers with a status >= 400; connect/read/write/timeout are socket errors.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
