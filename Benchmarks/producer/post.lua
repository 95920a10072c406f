-- wrk script: POST /v1/events (async mode), a short-form demo.work event per request whose handler sleeps
-- SLEEP_MS (environment, default 0; scripts/bench-backlog sets 60000 so the consumer sits on its prefetch window).
local sleep_ms = tonumber(os.getenv("SLEEP_MS") or "0")
wrk.method = "POST"
wrk.body = '{"type":"demo.work","data":{"sleep_ms":' .. sleep_ms .. ',"payload":"' .. string.rep("x", 200) .. '"}}'
wrk.headers["Content-Type"] = "application/json"

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\":%d,\"duration_s\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%d,\"non2xx\":%d}\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
