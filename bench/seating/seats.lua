-- wrk script: every request is one buyer holding 2 seats of a seated event.
--
-- Odd requests of a thread ask for best available (`{"best_available": {"category": C, "quantity": 2}}`,
-- C one of BENCH_CATEGORIES at random), even ones choose 2 seats picked at random from the map
-- (a random position in the plan's seat order and its neighbour, from the ids in BENCH_SEATS_FILE),
-- so chosen seats collide with each other and with best available's. The share/stop protocol is
-- bench/flash_sale/reserve.lua's: each thread sends exactly its share of BENCH_TOTAL, then says
-- "VG-THREAD-DONE" on stderr and run.py sends wrk SIGINT for the summary.
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
  math.randomseed(os.time() * 100 + id)
  seats = {}
  for line in io.lines(os.getenv("BENCH_SEATS_FILE")) do seats[#seats + 1] = line end
  categories = {}
  for c in string.gmatch(os.getenv("BENCH_CATEGORIES"), "[^,]+") do categories[#categories + 1] = c end
  path = os.getenv("BENCH_PATH")
  headers = {["Content-Type"] = "application/json"}
  admitted = 0
  answered = 0
  ok = 0
  taken = 0 -- 409
  taken_with_alternatives = 0
  other = 0
  best_sent = 0
  chosen_sent = 0
  stopped = 0
end

function delay()
  if admitted < limit then
    admitted = admitted + 1
    return 0
  end
  return 3600000 -- this thread has sent its share: park the connection
end

function request()
  local body
  if (admitted % 2) == 1 then
    best_sent = best_sent + 1
    body = string.format('{"best_available": {"category": "%s", "quantity": 2}}', categories[math.random(#categories)])
  else
    chosen_sent = chosen_sent + 1
    local i = math.random(#seats - 1)
    body = string.format('{"seat_ids": ["%s", "%s"]}', seats[i], seats[i + 1])
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  answered = answered + 1
  if status == 201 then ok = ok + 1
  elseif status == 409 then
    taken = taken + 1
    if string.find(body, '"alternatives":%s*%[%s*{') then taken_with_alternatives = taken_with_alternatives + 1 end
  else
    other = other + 1
    if other <= 3 then io.stderr:write("VG-OTHER " .. status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
  if answered >= limit and stopped == 0 then
    stopped = 1
    io.stderr:write("VG-THREAD-DONE " .. id .. "\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, taken = 0, taken_with_alternatives = 0, other = 0, admitted = 0, stopped = 0,
             best_sent = 0, chosen_sent = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  io.write(string.format(
    "JSON {\"ok\": %d, \"taken\": %d, \"taken_with_alternatives\": %d, \"other\": %d, \"sent\": %d, " ..
    "\"best_sent\": %d, \"chosen_sent\": %d, \"threads_stopped\": %d, \"requests\": %d, \"duration_us\": %d, " ..
    "\"errors\": %d, \"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    t.ok, t.taken, t.taken_with_alternatives, t.other, t.admitted, t.best_sent, t.chosen_sent, t.stopped,
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
