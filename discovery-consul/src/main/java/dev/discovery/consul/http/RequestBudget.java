package dev.discovery.consul.http;

/**
 * The rate limit of one blocking-query loop, as Consul's documentation advises (a token bucket with a burst of
 * two): after a quiet spell two changes in a row are fetched at once, but a service that keeps changing is asked
 * at most once per interval. Pure: the caller passes the clock. Not thread-safe; a watch calls it under its lock.
 */
final class RequestBudget {
  private static final int BURST = 2;
  private final long intervalNanos;
  /** Saved-up time, in nanoseconds; one request spends one interval. Negative: the next request must wait. */
  private long creditNanos;
  private long lastNanos;

  RequestBudget(long intervalNanos, long nowNanos) {
    this.intervalNanos = Math.max(0, intervalNanos);
    this.creditNanos = BURST * this.intervalNanos;
    this.lastNanos = nowNanos;
  }

  /** Spends one request; returns how long to wait before sending it (0: now). */
  long take(long nowNanos) {
    if (intervalNanos == 0) {
      return 0;
    }
    creditNanos = Math.min(BURST * intervalNanos, creditNanos + Math.max(0, nowNanos - lastNanos));
    lastNanos = nowNanos;
    creditNanos -= intervalNanos;
    return creditNanos >= 0 ? 0 : -creditNanos;
  }
}
