package dev.discovery.consul.http;

/**
 * The rate limit of one blocking-query loop: a change after a quiet spell is fetched at once, even when several
 * come close together (a rolling deploy flips instances in quick succession), while a service that keeps
 * changing is held to one request per interval. Pure: the caller passes the clock. Not thread-safe; a watch
 * calls it under its lock.
 *
 * <p>How: the loop asks for a request each time an answer came back. When the previous request went at least
 * {@link #QUIET_INTERVALS} intervals ago, the blocking query was parked that long, so the service had been
 * quiet: the budget starts over with {@link #BURST} requests that go at once. Each of them still books one
 * interval on the steady schedule, and once the burst is spent every further request waits for its slot on
 * that schedule. So the burst is borrowed, not given: a service that changes all the time is asked
 * {@code BURST} times at once and then not again until the borrowed intervals have passed, which keeps it at
 * one request per interval over any longer stretch (with the 250 ms default, 241 requests in a minute of
 * changes every 10 ms). The worst pattern for the agent, a full burst after every quiet spell, costs at most
 * {@code BURST} requests per {@code QUIET_INTERVALS} intervals: 6 per second with the default.
 *
 * <p>The token bucket of burst 2 this replaces held a burst of changes 0-20 ms apart to one fetch per 250 ms
 * after the second change.
 */
final class RequestBudget {
  /** Requests that go at once after a quiet spell: one per change of a burst of five, and the one after. */
  static final int BURST = 6;
  /** How many intervals without an ask make a quiet spell: 1 s with the 250 ms default interval. */
  static final int QUIET_INTERVALS = 4;
  private final long intervalNanos;
  private int burstLeft = BURST;
  /** The next free slot on the steady schedule; requests of a burst book slots too. */
  private long nextSlotNanos;
  /** When the last request went (or goes, after its wait): a blocking query parked from then on. */
  private long lastSentNanos;

  RequestBudget(long intervalNanos, long nowNanos) {
    this.intervalNanos = Math.max(0, intervalNanos);
    this.nextSlotNanos = nowNanos;
    this.lastSentNanos = nowNanos;
  }

  /** Spends one request; returns how long to wait before sending it (0: now). */
  long take(long nowNanos) {
    if (intervalNanos == 0) {
      return 0;
    }
    if (nowNanos - lastSentNanos >= QUIET_INTERVALS * intervalNanos) {
      burstLeft = BURST; // parked that long: quiet, and whatever was borrowed is forgiven
      nextSlotNanos = nowNanos;
    }
    long slot = nextSlotNanos - nowNanos > 0 ? nextSlotNanos : nowNanos;
    nextSlotNanos = slot + intervalNanos;
    long wait = 0;
    if (burstLeft > 0) {
      burstLeft--;
    } else {
      wait = slot - nowNanos;
    }
    // Quiet is measured from when the request goes, not from this ask: a wait this budget imposed is no
    // sign of a quiet service.
    lastSentNanos = nowNanos + wait;
    return wait;
  }
}
