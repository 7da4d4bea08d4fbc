-- wrk script: GET /api/creative/asset/:id for random (token, id) pairs read from the file named by
-- CREATIVE_BENCH_PAIRS (one "token id" per line), so most requests miss every cache.
local pairs_file = os.getenv("CREATIVE_BENCH_PAIRS")
local tokens, ids = {}, {}
for line in io.lines(pairs_file) do
  local token, id = line:match("^(%S+) (%S+)$")
  if token then tokens[#tokens + 1] = token; ids[#ids + 1] = id end
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed * 7919)
end

function request()
  local n = math.random(#ids)
  return wrk.format("GET", "/api/creative/asset/" .. ids[n], { ["Authorization"] = "Bearer " .. tokens[n] })
end
