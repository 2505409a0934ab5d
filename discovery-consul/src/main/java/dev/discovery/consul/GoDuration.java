package dev.discovery.consul;

import java.time.Duration;

/** Formats durations the way Consul's JSON and query parameters expect them (Go's {@code time.Duration} text). */
final class GoDuration {
  private GoDuration() {}

  /** The shortest exact Go form: {@code 90m}, {@code 10s}, {@code 500ms}, {@code 250us}, {@code 7ns}. */
  static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 60_000_000_000L == 0 && nanos != 0) {
      return nanos / 60_000_000_000L + "m";
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + "us";
    }
    return nanos + "ns";
  }
}
