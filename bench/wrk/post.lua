-- Posts the raise-a-request form, each post with its own idempotency key, and counts the
-- 303s (accepted). Arguments: a 16-hex-digit prefix for this run, then the form body ending
-- in "idempotency_key=" (the key is appended: prefix, 2 digits of thread, 14 of counter).
local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix, body = args[1], args[2]
  counter, accepted = 0, 0
end

function request()
  counter = counter + 1
  local key = string.format("%s%02x%014x", prefix, number, counter)
  return wrk.format("POST", nil, nil, body .. key)
end

function response(status, headers, content)
  if status == 303 then accepted = accepted + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("accepted") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "accepted": %d, "duration_us": %d, "bytes": %d, "connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, '
      .. '"max": %d}\n',
    summary.requests, total, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
