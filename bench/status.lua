-- wrk script of bench/run, rows 1 (issue 18 point 2): GET /status/<BENCH_STATUS_ID> (bench.py
-- sets it to a small ingestion of 5 ids it has just posted; any id for the ceiling), and
-- post.lua's machine-readable summary.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "post.lua")

local id = os.getenv("BENCH_STATUS_ID")
if not id or id == "" then error("status.lua: BENCH_STATUS_ID is not set") end
wrk.method = "GET"
wrk.path = "/status/" .. id
wrk.body = nil
wrk.headers["Content-Type"] = nil
