-- wrk script: devices scanning tickets online. Each thread is one device (its own token) and
-- walks the payload list from its own offset; BENCH_DELAY_MS paces every connection.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local tokens = {}
  for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do table.insert(tokens, t) end
  payloads = {}
  for line in io.lines(os.getenv("BENCH_PAYLOADS")) do table.insert(payloads, line) end
  token = tokens[(id % #tokens) + 1]
  gates = {}
  for g in string.gmatch(os.getenv("BENCH_GATES"), "[^,]+") do table.insert(gates, g) end
  gate = gates[(id % #gates) + 1]
  -- Each run has its own client scan ids: a later run must not replay an earlier one's scans.
  run = tonumber(os.getenv("BENCH_RUN") or "0")
  n, ok, redeemed, other = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.path = "/api/checkin/scans"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

-- Only define delay() when pacing: wrk then schedules every request through a timer, which
-- caps an unpaced run far below what the server can do.
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pace > 0 then
  function delay() return pace end
end

function request()
  n = n + 1
  -- Threads walk the list 3 apart: most tickets are scanned first by one device, then again by others.
  local p = payloads[((n + id * 3) % #payloads) + 1]
  local body = '{"payload":"' .. p .. '","gate_id":"' .. gate .. '","direction":"entry","client_scan_id":"'
    .. string.format("%08x-%04x-4000-8000-%012x", id, run, n) .. '"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 200 and body:find('"result":"ok"', 1, true) then ok = ok + 1
  elseif status == 200 and body:find('"result":"already_redeemed"', 1, true) then redeemed = redeemed + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t_ok, t_red, t_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_red = t_red + thread:get("redeemed")
    t_other = t_other + thread:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    'JSON {"requests":%d,"seconds":%.3f,"rate":%.1f,"ok":%d,"already_redeemed":%d,"other":%d,"errors":%d,'
    .. '"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, secs, summary.requests / secs, t_ok, t_red, t_other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
