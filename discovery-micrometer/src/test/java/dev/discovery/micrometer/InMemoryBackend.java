package dev.discovery.micrometer;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A watching backend the test drives by hand, as discovery-api's FakeBackend: the first answer of a watch comes
 * from {@link #responder}, later ones and errors are pushed, as a blocking query returning would.
 */
final class InMemoryBackend implements DiscoveryBackend {
  final List<WatchListener> listeners = new CopyOnWriteArrayList<>();
  volatile Function<ServiceQuery, Answer> responder = q -> Answer.of(List.of(instance(q.service(), 1)));
  volatile Throwable firstError;
  /** While true, a new watch waits for {@link #answerHeld()} before its first answer. */
  volatile boolean holdFirstAnswer;
  private final List<WatchListener> held = new CopyOnWriteArrayList<>();

  static ServiceInstance instance(String service, int n) {
    return ServiceInstance.of(service, "10.0.0." + n, 8080);
  }

  @Override
  public String describe() {
    return "in-memory test backend";
  }

  @Override
  public String name() {
    return "in-memory";
  }

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    return CompletableFuture.completedFuture(responder.apply(query));
  }

  @Override
  public boolean supportsWatch() {
    return true;
  }

  @Override
  public Watch watch(ServiceQuery query, WatchListener listener) {
    listeners.add(listener);
    if (holdFirstAnswer) {
      held.add(listener);
    } else if (firstError != null) {
      listener.onError(firstError);
    } else {
      listener.onAnswer(responder.apply(query));
    }
    return () -> listeners.remove(listener);
  }

  /** Gives every held watch its first answer, as a slow registry finally would. */
  void answerHeld(ServiceQuery query) {
    for (WatchListener l : held) {
      held.remove(l);
      l.onAnswer(responder.apply(query));
    }
  }

  void push(ServiceInstance... instances) {
    for (WatchListener l : listeners) {
      l.onAnswer(Answer.of(List.of(instances)));
    }
  }

  /** A failed round trip, and the back-off the watch then waits, as the HTTP backend's watch reports them. */
  void fail(Throwable error, Duration backoff) {
    for (WatchListener l : listeners) {
      l.onError(error);
      l.onBackoff(backoff);
    }
  }

  @Override
  public void close() {}
}
