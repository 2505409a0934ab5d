package dev.discovery.grpc;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a bound, polling: tests never sleep a guessed time. */
final class Await {
  private Await() {}

  static void until(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + bound + " waiting for " + what);
      }
      Thread.sleep(10);
    }
  }
}
