-- wrk script: the raw baseline, GET /health, same connections and pacing as the scans.
-- delay() only when pacing: a defined delay() (even returning 0) sends every request through a timer.
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pace > 0 then
  function delay() return pace end
end
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format('JSON {"requests":%d,"rate":%.1f,"p50_ms":%.2f,"p99_ms":%.2f}\n', summary.requests,
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
