package dev.discovery;

import dev.discovery.spi.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when a test says so, as gRPC's {@code FakeTicker} does: time-driven
 * behaviour (staleness, idle expiry, ejection cool-downs) is checked at the exact nanosecond it changes,
 * without sleeping and without widened windows. Thread-safe.
 */
public final class FakeTicker implements Ticker {
  /**
   * Far from zero and close to overflow, so that code comparing readings by subtraction, as it must with
   * {@link System#nanoTime()}, is checked across the wrap.
   */
  private static final long START = Long.MAX_VALUE - Duration.ofMinutes(1).toNanos();
  private final AtomicLong nanos = new AtomicLong(START);

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves the time forward by {@code duration}, which must not be negative. */
  public FakeTicker advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("time never goes backwards, was asked to move by " + duration);
    }
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves the time forward by {@code nanos} nanoseconds. */
  public FakeTicker advanceNanos(long nanos) {
    return advance(Duration.ofNanos(nanos));
  }
}
