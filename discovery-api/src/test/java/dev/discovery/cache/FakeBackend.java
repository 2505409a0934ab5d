package dev.discovery.cache;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** A backend whose answers the test sets, counting every fetch and watch. */
final class FakeBackend implements DiscoveryBackend {
  final AtomicInteger fetches = new AtomicInteger();
  final AtomicInteger watchesStarted = new AtomicInteger();
  final AtomicInteger watchesClosed = new AtomicInteger();
  final List<WatchListener> listeners = new CopyOnWriteArrayList<>();
  private final boolean watching;
  volatile Function<ServiceQuery, CompletableFuture<Answer>> responder;
  /** What tells this backend's persisted answers from another's; another value plays another cluster. */
  volatile String identity = "fake-backend";

  FakeBackend(boolean watching) {
    this.watching = watching;
    this.responder = q -> CompletableFuture.completedFuture(Answer.of(List.of(instance(q.service(), 1))));
  }

  static ServiceInstance instance(String service, int n) {
    return ServiceInstance.of(service, "10.0.0." + n, 8080);
  }

  void answer(List<ServiceInstance> instances) {
    responder = q -> CompletableFuture.completedFuture(Answer.of(instances));
  }

  void fail(Throwable error) {
    responder = q -> CompletableFuture.failedFuture(error);
  }

  @Override
  public String describe() {
    return "fake-backend";
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    fetches.incrementAndGet();
    return responder.apply(query);
  }

  @Override
  public boolean supportsWatch() {
    return watching;
  }

  @Override
  public Watch watch(ServiceQuery query, WatchListener listener) {
    watchesStarted.incrementAndGet();
    listeners.add(listener);
    return () -> {
      listeners.remove(listener);
      watchesClosed.incrementAndGet();
    };
  }

  /** Pushes an answer through every open watch, as a blocking query returning would. */
  void push(List<ServiceInstance> instances) {
    for (WatchListener l : listeners) {
      l.onAnswer(Answer.of(instances));
    }
  }

  void pushError(Throwable error) {
    for (WatchListener l : listeners) {
      l.onError(error);
    }
  }

  @Override
  public void close() {}
}
