-- wrk prints p50/p75/p90/p99 only; the harness needs p95 too, in microseconds, on one line.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d errors=%d rps=%.1f p50=%d p95=%d p99=%d\n",
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    summary.requests / seconds,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)
  ))
end
