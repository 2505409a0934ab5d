package dev.discovery.consul.dns;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Lets concurrent callers asking the same key share one pending operation instead of starting their own. */
final class InFlight<K, V> {
  private final ConcurrentHashMap<K, CompletableFuture<V>> pending = new ConcurrentHashMap<>();

  /**
   * Joins the pending operation for {@code key}, or starts one with {@code start}. Each caller gets its own
   * copy of the future, so one caller cancelling or completing it cannot affect the others.
   */
  CompletableFuture<V> join(K key, Supplier<CompletableFuture<V>> start) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = pending.putIfAbsent(key, mine);
    if (existing != null) {
      return existing.copy();
    }
    CompletableFuture<V> started;
    try {
      started = start.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete((value, error) -> {
      // Removed before completion, so a caller arriving after the answer asks afresh.
      pending.remove(key, mine);
      if (error != null) {
        mine.completeExceptionally(error);
      } else {
        mine.complete(value);
      }
    });
    return mine.copy();
  }

  /** How many operations are pending. */
  int size() {
    return pending.size();
  }
}
