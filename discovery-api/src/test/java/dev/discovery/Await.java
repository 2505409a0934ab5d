package dev.discovery;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline instead of sleeping a guessed time. The one copy for every module:
 * discovery-api publishes its test classes as a test-jar, and discovery-consul and discovery-micrometer
 * depend on it in test scope.
 *
 * <p>It polls quickly at first, so a condition that is almost true costs a millisecond, and then every
 * {@value #MAX_POLL_MILLIS} ms, so a condition that asks an agent over HTTP does not flood it. The deadline
 * only bounds a failing test; a passing one returns as soon as the condition holds.
 */
public final class Await {
  /** Long enough for a loaded CI machine; a condition that holds returns long before. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
  private static final long MAX_POLL_MILLIS = 20;

  private Await() {}

  /** Polls {@code condition} until it holds, failing with {@code what} after {@code timeout}. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pollMillis = 1;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(pollMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
      pollMillis = Math.min(MAX_POLL_MILLIS, pollMillis * 2);
    }
  }

  /** {@link #until(String, Duration, BooleanSupplier)} with the {@linkplain #DEFAULT_TIMEOUT default time-out}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_TIMEOUT, condition);
  }
}
