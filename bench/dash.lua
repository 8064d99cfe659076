-- wrk script of bench/run, BENCH_ONLY=dashboard (issue 14 point 6): fills the queue with
-- single-batch ingestions, POST /ingest of 3 ids, each request's priority drawn at random
-- (HIGH, MEDIUM or LOW, a third each), so that GET /ingestions?priority= has work to do; and
-- post.lua's machine-readable summary. Each thread draws from its own seed.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "post.lua")

local bodies = {
  '{"ids": [1, 2, 3], "priority": "HIGH"}',
  '{"ids": [1, 2, 3], "priority": "MEDIUM"}',
  '{"ids": [1, 2, 3], "priority": "LOW"}',
}

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_no or 0))
end

function request()
  return wrk.format("POST", "/ingest", wrk.headers, bodies[math.random(3)])
end
