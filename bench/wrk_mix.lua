-- wrk script: cycle through the request paths listed (one per line) in the file named by BENCH_PATHS,
-- each thread starting at a different offset; print one JSON line with latency percentiles at the end.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local accept = os.getenv("BENCH_ACCEPT") or "application/json"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
end

function init(args)
  index = offset or 0
end

function request()
  index = index + 1
  local path = paths[(index % #paths) + 1]
  return wrk.format("GET", path, { ["Accept"] = accept })
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
