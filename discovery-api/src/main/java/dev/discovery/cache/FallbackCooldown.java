package dev.discovery.cache;

import java.time.Duration;

/**
 * How long a fallback datacenter that could not be asked is skipped before it is tried again: from the cache's error
 * back-off, doubling per failure in a row, up to a cap; an unknown datacenter (the registry has no path to it, an
 * {@link dev.discovery.InvalidQueryException}) waits the cap at once, since retrying sooner cannot help. On the
 * cache's {@link dev.discovery.spi.Ticker}, so tests drive it on a fake clock. Not thread-safe: its owner locks.
 */
final class FallbackCooldown {
  private final long baseNanos;
  private final long capNanos;
  private int failures;
  private long retryAtNanos;

  FallbackCooldown(Duration base, Duration cap) {
    this.baseNanos = base.toNanos();
    this.capNanos = Math.max(baseNanos, cap.toNanos());
  }

  /** Records a failure at {@code nowNanos}; returns the delay before the datacenter is tried again. */
  Duration failed(long nowNanos, boolean permanent) {
    failures++;
    int shift = Math.min(failures - 1, 30);
    long delay = permanent ? capNanos : Math.min(capNanos, baseNanos << shift);
    if (delay < 0) {
      delay = capNanos;
    }
    retryAtNanos = nowNanos + delay;
    return Duration.ofNanos(delay);
  }

  /** Forgets the failures (the datacenter answered). Returns whether there were any. */
  boolean succeeded() {
    boolean had = failures > 0;
    failures = 0;
    return had;
  }

  /** Whether the datacenter must still be skipped at {@code nowNanos}. */
  boolean coolingDown(long nowNanos) {
    return failures > 0 && nowNanos - retryAtNanos < 0;
  }

  /** Nanoseconds until it may be tried again (0 when it may now). */
  long remainingNanos(long nowNanos) {
    return coolingDown(nowNanos) ? retryAtNanos - nowNanos : 0;
  }

  int failures() {
    return failures;
  }
}
