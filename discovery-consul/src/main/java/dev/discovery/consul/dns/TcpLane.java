package dev.discovery.consul.dns;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Bounds the DNS questions in flight over TCP to one server, across the whole JVM.
 *
 * <p>Why across the JVM: dnsjava 3.6 keeps one TCP connection per (local, remote) address pair in a static client,
 * shared by every resolver, and pipelines every question on it without a limit. A server may close a connection
 * whenever it likes (RFC 7766, section 6.2.3); dnsmasq 2.90 closes one after 100 questions ({@code TCP_MAX_QUERIES}).
 * A refresh through a caching dnsmasq with a positive TTL sends the SRV question and then an A and an AAAA question
 * for each target (the cache gives no addresses with the SRV set): 121 questions for 60 instances. Pipelined all at
 * once, every question still outstanding when dnsmasq closes fails with an EOF, and asked again together on the next
 * connection they meet the next close. With at most {@value #MAX_IN_FLIGHT} on the connection, a close costs at most
 * that many repeats. And after a question lost its connection, one question at a time goes until one is answered:
 * dnsjava may still hand out the dead connection for a moment, and every question let through then would fail at
 * once ("Broken pipe") and use up its retries.
 */
final class TcpLane {
  /** Well under dnsmasq's 100 questions per connection, and enough to keep a loopback connection busy. */
  static final int MAX_IN_FLIGHT = 16;
  private static final ConcurrentHashMap<InetSocketAddress, TcpLane> LANES = new ConcurrentHashMap<>();

  private final int limit;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;
  /** Set when a question lost its connection, cleared by the next answer: then one question at a time. */
  private boolean probing;

  TcpLane(int limit) {
    this.limit = limit;
  }

  /** The lane of {@code server}, shared by every client in the JVM, as dnsjava's connection to it is. */
  static TcpLane to(InetSocketAddress server) {
    return LANES.computeIfAbsent(server, s -> new TcpLane(MAX_IN_FLIGHT));
  }

  /**
   * Runs {@code send} now when fewer than the limit are in flight, else when one of them completes; the result
   * completes as the sent question does. Never blocks the caller.
   */
  <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> send, Predicate<Throwable> connectionLost) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start = () -> {
      CompletableFuture<T> sent;
      try {
        sent = send.get();
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      sent.whenComplete((value, error) -> {
        release(error == null ? Boolean.FALSE : connectionLost.test(error) ? Boolean.TRUE : null);
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(value);
        }
      });
    };
    boolean now;
    synchronized (this) {
      now = inFlight < limit();
      if (now) {
        inFlight++;
      } else {
        waiting.add(start);
      }
    }
    if (now) {
      start.run();
    }
    return result;
  }

  private int limit() {
    return probing ? 1 : limit;
  }

  /** {@code lost}: true when the question lost its connection, false when answered, null for any other failure. */
  private void release(Boolean lost) {
    List<Runnable> next = new ArrayList<>();
    synchronized (this) {
      if (lost != null) {
        probing = lost;
      }
      inFlight--;
      while (inFlight < limit() && !waiting.isEmpty()) {
        inFlight++;
        next.add(waiting.poll());
      }
    }
    // Started outside the lock: a send may complete at once and come back here.
    for (Runnable r : next) {
      r.run();
    }
  }

  /** For tests: questions sent and not yet answered. */
  synchronized int inFlight() {
    return inFlight;
  }
}
