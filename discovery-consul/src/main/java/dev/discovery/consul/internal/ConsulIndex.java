package dev.discovery.consul.internal;

/**
 * How a blocking query's index moves, as Consul's documentation asks of clients: the next request carries the
 * {@code X-Consul-Index} of the last answer, and an index that is missing, not a number, not positive or lower
 * than the one before (a server restored from a snapshot, a leader change) resets to 0, so that the next
 * request returns at once instead of waiting on an index that will never come. Pure. Internal: see the package
 * documentation.
 */
public final class ConsulIndex {
  private ConsulIndex() {}

  /** The index to send next after an answer carrying {@code header}, when the previous request sent {@code previous}. */
  public static long next(long previous, String header) {
    long next;
    try {
      next = header == null ? 0 : Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      next = 0;
    }
    if (next <= 0 || next < previous) {
      return 0;
    }
    return next;
  }
}
