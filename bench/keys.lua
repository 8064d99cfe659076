-- wrk script of bench/run, BENCH_ONLY=keys (issue 13): post.lua's request (POST /ingest of 5 ids)
-- and its summary, with an API key, and per mode an Idempotency-Key. Set by bench.py:
--   BENCH_API_SECRET   the secret of INGEST_API_KEYS=bench:<secret>, sent as Authorization: Bearer
--   BENCH_KEY_MODE     plain: no Idempotency-Key
--                      keyed: a new key on every request, "<prefix>-<thread>-<n>" (n counts the
--                             thread's requests; the prefix is new for each wrk run)
--                      replay: the keys "<prefix>-<thread>-<i>" for i in 0 .. BENCH_KEY_REPLAYS - 1,
--                             which bench.py has already used once, in turn; each thread has its
--                             own, so that a key is sent again only after BENCH_KEY_REPLAYS of its
--                             thread's requests (two requests with one key in flight at once on an
--                             instance: the second is answered 409)
--   BENCH_KEY_PREFIX, BENCH_KEY_REPLAYS
-- Every mode builds each request in request(), plain too, so that wrk does the same work per
-- request in each row and only the header differs.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "post.lua")

local secret = os.getenv("BENCH_API_SECRET")
local mode = os.getenv("BENCH_KEY_MODE") or "plain"
local prefix = os.getenv("BENCH_KEY_PREFIX") or ""
local replays = tonumber(os.getenv("BENCH_KEY_REPLAYS") or "0")
if not secret or secret == "" then error("keys.lua: BENCH_API_SECRET is not set") end
if mode ~= "plain" and mode ~= "keyed" and mode ~= "replay" then error("keys.lua: unknown BENCH_KEY_MODE " .. mode) end
if mode ~= "plain" and prefix == "" then error("keys.lua: BENCH_KEY_PREFIX is not set") end
if mode == "replay" and replays < 1 then error("keys.lua: BENCH_KEY_REPLAYS is not set") end
wrk.headers["Authorization"] = "Bearer " .. secret

-- runs in the main Lua state, once per thread before it starts: the thread's number (1, 2, ...)
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

local n = 0
function request()
  if mode == "keyed" then
    wrk.headers["Idempotency-Key"] = string.format('"%s-%d-%d"', prefix, thread_no, n)
  elseif mode == "replay" then
    wrk.headers["Idempotency-Key"] = string.format('"%s-%d-%d"', prefix, thread_no, n % replays)
  end
  n = n + 1
  return wrk.format()
end
