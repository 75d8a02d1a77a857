-- wrk script: every request is one buyer reserving one ticket; stops after `limit` requests per thread.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(os.getenv("BENCH_PER_THREAD") or "1000")
  sent = 0
  ok = 0
  sold_out = 0
  other = 0
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  return wrk.format()
end

function response(status, headers, body)
  if status == 201 then ok = ok + 1
  elseif status == 409 then sold_out = sold_out + 1
  else other = other + 1 end
  if ok + sold_out + other >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local t_ok, t_sold_out, t_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_sold_out = t_sold_out + thread:get("sold_out")
    t_other = t_other + thread:get("other")
  end
  io.write(string.format(
    "JSON {\"ok\": %d, \"sold_out\": %d, \"other\": %d, \"requests\": %d, \"duration_us\": %d, " ..
    "\"errors\": %d, \"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    t_ok, t_sold_out, t_other, summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
