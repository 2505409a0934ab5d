package dev.discovery.consul.http;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/** Exponential back-off with jitter, bounded: {@code min * 2^(failures-1)} capped at {@code max}, then jittered within its upper half (never below {@code min}). */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  /** Given a bound, a random value in [0, bound]; injectable so tests can pin it. */
  private final LongUnaryOperator random;

  Backoff(Duration min, Duration max, LongUnaryOperator random) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  Duration delay(int failures) {
    int shift = Math.max(0, Math.min(failures - 1, 30));
    long base = minNanos << shift;
    if (base <= 0 || base > maxNanos) {
      base = maxNanos;
    }
    long half = base / 2;
    return Duration.ofNanos(Math.max(minNanos, half + random.applyAsLong(half)));
  }
}
