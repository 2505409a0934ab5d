package dev.discovery.consul.http;

/**
 * How many connections a {@link WatchBudget} may use now: its maximum until the agent refuses a connection with
 * HTTP 429, then half as many (never below 1), and one more every {@code growEvery} without a 429, back up to the
 * maximum (additive increase, multiplicative decrease, as TCP does with a window). A burst of 429s caused by one
 * overload (every connection opened in the same instant is refused) halves it once: further 429s within
 * {@code cooldown} of a cut are the same event. Pure: the caller passes the clock. Not thread-safe.
 */
final class BudgetLimit {
  private final int max;
  private final long growEveryNanos;
  private final long cooldownNanos;
  private int limit;
  /** When the limit last changed (a cut or a step back up); growth counts from here. */
  private long changedNanos;
  private long lastCutNanos;
  private boolean everCut;

  BudgetLimit(int max, long growEveryNanos, long cooldownNanos, long nowNanos) {
    if (max < 1) {
      throw new IllegalArgumentException("a budget needs at least 1 connection, was " + max);
    }
    this.max = max;
    this.growEveryNanos = Math.max(1, growEveryNanos);
    this.cooldownNanos = Math.max(0, cooldownNanos);
    this.limit = max;
    this.changedNanos = nowNanos;
  }

  int max() {
    return max;
  }

  /** The limit now, after any growth due since the last change. */
  int current(long nowNanos) {
    if (limit < max) {
      long steps = (nowNanos - changedNanos) / growEveryNanos;
      if (steps > 0) {
        int grown = (int) Math.min(max, limit + steps);
        changedNanos += (grown - limit) * growEveryNanos;
        if (grown == max) {
          changedNanos = nowNanos;
        }
        limit = grown;
      }
    }
    return limit;
  }

  /**
   * The agent refused a connection. Returns whether this cut the limit (false: within the cool-down of the last
   * cut, the same overload).
   */
  boolean rejected(long nowNanos) {
    current(nowNanos);
    if (everCut && nowNanos - lastCutNanos < cooldownNanos) {
      return false;
    }
    everCut = true;
    lastCutNanos = nowNanos;
    limit = Math.max(1, limit / 2);
    changedNanos = nowNanos;
    return true;
  }

  /** Rotation lanes for a limit: short reads that keep the queries without a parked slot fresh, 1 to 4. */
  static int lanes(int limit) {
    return Math.max(1, Math.min(4, limit / 8));
  }

  /** Parked blocking queries for a limit: what the lanes leave (0 with a limit of 1: everything rotates). */
  static int slots(int limit) {
    return Math.max(0, limit - lanes(limit));
  }

  /**
   * The concurrent streams an HTTP/2 connection is counted for: RFC 9113 (6.5.2) asks servers to allow no fewer than
   * 100, and Go's HTTP/2 server, which Consul's HTTPS port runs, allows 250 unless configured otherwise. OkHttp
   * opens another connection when one is full, so a budget that counts this many streams per connection stays
   * within its connections whatever a conforming server allows.
   */
  static final int STREAMS_PER_CONNECTION = 100;

  /**
   * Parked blocking queries for a limit when the agent multiplexes them over HTTP/2: {@link
   * #STREAMS_PER_CONNECTION} per connection, less the lanes.
   */
  static int multiplexedSlots(int limit) {
    return Math.max(0, limit * STREAMS_PER_CONNECTION - lanes(limit));
  }
}
