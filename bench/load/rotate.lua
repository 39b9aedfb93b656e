-- wrk script for bench/run: every request carries the next bearer token from a file, so a run rotates over all
-- accounts instead of hammering one. The first thread starts at line START + 1 (0 unless given; bench/run passes where
-- the last run stopped, so that runs go on over the whole file), each further thread at its own offset from there.
--
--   wrk ... -s rotate.lua http://127.0.0.1:PORT -- PATH TOKENS_FILE [START]
--
-- At the end it prints one line, "WRKJSON {...}", with the counts and latency percentiles (microseconds).
-- errors.status counts responses with a status of 400 or more (wrk's own rule); nothing here sends If-None-Match,
-- so no 3xx are expected.

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local requests = {}
local position = 0

function init(args)
  local path, file, start = args[1], args[2], tonumber(args[3]) or 0
  for token in io.lines(file) do
    if token ~= "" then
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  assert(#requests > 0, "no tokens in " .. file)
  -- Spread the threads over the list; index is set by setup() in the main state.
  position = (start + (tonumber(index) or 0) * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
