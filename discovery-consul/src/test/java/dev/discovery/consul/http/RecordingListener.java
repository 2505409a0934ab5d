package dev.discovery.consul.http;

import dev.discovery.spi.Answer;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Records what a watch reports, and fails the test if two calls ever overlap. */
final class RecordingListener implements WatchListener {
  final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean inCall = new AtomicBoolean();
  volatile boolean overlapped;

  @Override
  public void onAnswer(Answer answer) {
    enter();
    events.add(answer);
    inCall.set(false);
  }

  @Override
  public void onError(Throwable error) {
    enter();
    events.add(error);
    inCall.set(false);
  }

  private void enter() {
    if (!inCall.compareAndSet(false, true)) {
      overlapped = true;
    }
  }

  Object next() throws InterruptedException {
    Object e = events.poll(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("no watch event within 10 s");
    }
    return e;
  }

  Answer nextAnswer() throws InterruptedException {
    Object e = next();
    if (!(e instanceof Answer)) {
      throw new AssertionError("expected an answer, got " + e, e instanceof Throwable ? (Throwable) e : null);
    }
    return (Answer) e;
  }

  Throwable nextError() throws InterruptedException {
    Object e = next();
    if (!(e instanceof Throwable)) {
      throw new AssertionError("expected an error, got " + e);
    }
    return (Throwable) e;
  }
}
