-- wrk script: cycle through the request paths listed (one per line) in the file named by BENCH_PATHS,
-- each thread starting at a different offset; print one JSON line with latency percentiles at the end.
-- With BENCH_COUNT_HEADER (a response header name, e.g. X-CNC-Cache) the line also counts the responses by
-- that header's value: "header_counts": {"hit": …, "miss": …, "": …} ("" = header absent). Without it no
-- response() callback is defined, so wrk neither parses headers for Lua nor calls into it per response.
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local accept = os.getenv("BENCH_ACCEPT") or "application/json"
local count_header = os.getenv("BENCH_COUNT_HEADER")
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
  threads[#threads + 1] = thread
end

function init(args)
  index = offset or 0
  counts = {}
end

function request()
  index = index + 1
  local path = paths[(index % #paths) + 1]
  return wrk.format("GET", path, { ["Accept"] = accept })
end

if count_header then
  local wanted = string.lower(count_header)
  function response(status, headers, body)
    local value = ""
    for name, v in pairs(headers) do
      if string.lower(name) == wanted then value = v break end
    end
    counts[value] = (counts[value] or 0) + 1
  end
end

local function header_counts()
  local total = {}
  for _, thread in ipairs(threads) do
    for value, n in pairs(thread:get("counts") or {}) do total[value] = (total[value] or 0) + n end
  end
  local parts = {}
  for value, n in pairs(total) do
    parts[#parts + 1] = string.format('"%s": %d', (string.gsub(value, '[%c"\\]', "?")), n)
  end
  return ', "header_counts": {' .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "errors": %d%s}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, count_header and header_counts() or ""))
end
