-- wrk script for bench/run: every request carries a bearer token drawn from a Zipf distribution (s = 1.0) over the
-- tokens file, the first line the most frequent: a few callers are very busy, most are rare. With 300,000 tokens the
-- busiest caller makes about 7.6% of the requests and the 100,000 busiest about 92%.
--
--   wrk ... -s zipf.lua http://127.0.0.1:PORT -- PATH TOKENS_FILE [SEED]
--
-- Each thread draws from its own generator seeded with SEED (default 1) and its thread number, so a run repeats the
-- same sequence. A draw is one random number and a binary search of a cumulative table made once in init (about 19
-- steps for 300,000 tokens), cheap enough that wrk is not the bottleneck. Prints the same "WRKJSON {...}" line as
-- rotate.lua.

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local requests = {}
local cumulative = {}
local count = 0

function init(args)
  local path, file, seed = args[1], args[2], tonumber(args[3]) or 1
  for token in io.lines(file) do
    if token ~= "" then
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  count = #requests
  assert(count > 0, "no tokens in " .. file)
  -- cumulative[k] = P(rank <= k) = H(k) / H(count), H the harmonic numbers.
  local sum = 0
  for k = 1, count do
    sum = sum + 1 / k
    cumulative[k] = sum
  end
  for k = 1, count do
    cumulative[k] = cumulative[k] / sum
  end
  cumulative[count] = 1
  -- index is set by setup() in the main state.
  math.randomseed(seed * 1000 + (tonumber(index) or 0))
end

function request()
  local u = math.random()
  local low, high = 1, count
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < u then
      low = middle + 1
    else
      high = middle
    end
  end
  return requests[low]
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
