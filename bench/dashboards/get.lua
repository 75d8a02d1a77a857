-- wrk script: GET one path (BENCH_PATH) with the organiser's session cookie (BENCH_COOKIE);
-- prints one JSON line with rate and latency percentiles, plus the count of non-2xx answers.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "GET"
  wrk.path = os.getenv("BENCH_PATH") or "/health"
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
  wrk.headers["Accept-Encoding"] = "gzip"
  errors = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + (t:get("errors") or 0) end
  local secs = summary.duration / 1e6
  io.write(string.format(
    'JSON {"requests":%d,"rate":%.1f,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"non_2xx":%d}\n',
    summary.requests, summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errs))
end
