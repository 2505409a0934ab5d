package dev.discovery.consul.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until a bounded deadline; never a fixed sleep-and-hope. */
final class Await {
  private Await() {}

  static void until(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  static void until(BooleanSupplier condition, String what) {
    until(condition, Duration.ofSeconds(20), what);
  }
}
