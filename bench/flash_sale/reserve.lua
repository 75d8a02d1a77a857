-- wrk script: every request is one buyer reserving one ticket.
--
-- Each thread sends exactly its share of BENCH_TOTAL requests: `delay()` runs before every
-- request, admits the first `limit` and parks any further request of that thread's connections
-- for an hour. (Requests are counted in delay(), not request(): wrk calls request() once on
-- thread 1 just to check the script, and that call sends nothing.) When the thread has counted `limit` responses it stops its own event loop
-- (`wrk.thread:stop()`) and writes "VG-THREAD-DONE" to stderr. wrk's main thread sleeps for the
-- whole `-d` regardless, so run.py sends wrk SIGINT once every thread has said it is done; wrk then
-- prints its summary with the real elapsed time (not the -d duration).
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local total = tonumber(os.getenv("BENCH_TOTAL") or "1000")
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  limit = math.floor(total / nthreads)
  if id <= total % nthreads then limit = limit + 1 end
  admitted = 0 -- requests let through delay(), i.e. written to the server
  answered = 0
  ok = 0
  sold_out = 0
  other = 0
  stopped = 0
  wrk.method = "POST"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end

function delay()
  if admitted < limit then
    admitted = admitted + 1
    return 0
  end
  return 3600000 -- this thread has sent its share: park the connection
end

function request()
  return wrk.format()
end

function response(status, headers, body)
  answered = answered + 1
  if status == 201 then ok = ok + 1
  elseif status == 409 then sold_out = sold_out + 1
  else other = other + 1 end
  if answered >= limit and stopped == 0 then
    stopped = 1
    io.stderr:write("VG-THREAD-DONE " .. id .. "\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, sold_out = 0, other = 0, admitted = 0, stopped = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format(
    "JSON {\"ok\": %d, \"sold_out\": %d, \"other\": %d, \"sent\": %d, \"threads_stopped\": %d, " ..
    "\"requests\": %d, \"duration_us\": %d, " ..
    "\"errors\": %d, \"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    t.ok, t.sold_out, t.other, t.admitted, t.stopped, summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
