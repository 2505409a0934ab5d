package dev.discovery.consul.testkit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Injected failures and request accounting, shared by the HTTP and DNS servers. */
final class Faults {
  /** One pending injected HTTP failure. */
  record Failure(int status, String body) {}

  private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean drop;
  private int failRemaining;
  private Failure failure;
  private int dnsFailRemaining;
  private int dnsFailRcode;

  void count(String path) {
    requests.computeIfAbsent(path, k -> new AtomicLong()).incrementAndGet();
  }

  long requestCount(String path) {
    AtomicLong n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  synchronized void failNext(int count, int status, String body) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be an HTTP status (100-599), got " + status);
    }
    failRemaining = count;
    failure = new Failure(status, body == null ? "" : body);
  }

  /** The failure to answer this request with, or null; consumes one. */
  synchronized Failure takeFailure() {
    if (failRemaining <= 0) {
      return null;
    }
    failRemaining--;
    return failure;
  }

  synchronized void failNextDns(int count, int rcode) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    dnsFailRemaining = count;
    dnsFailRcode = rcode;
  }

  /** The rcode to answer this DNS query with, or -1; consumes one. */
  synchronized int takeDnsFailure() {
    if (dnsFailRemaining <= 0) {
      return -1;
    }
    dnsFailRemaining--;
    return dnsFailRcode;
  }

  void delay(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, got " + d);
    }
    delay = d;
  }

  Duration delay() {
    return delay;
  }

  void drop(boolean on) {
    drop = on;
  }

  boolean dropping() {
    return drop;
  }
}
