package dev.discovery.consul.http;

import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The blocking-query loop of one watched query, on OkHttp's asynchronous calls: no thread of its own, and none
 * held between requests. While the agent holds a request, the call occupies one of {@link CallThreads}' threads
 * (virtual on Java 24+). One call at a time, so listener calls never overlap.
 *
 * <p>Each answer carries {@code X-Consul-Index}; the next request sends it back with {@code wait}, so the
 * agent answers as soon as the service changes (one round trip). The index resets to 0 when it goes
 * backwards or is not positive. Requests are spaced at least the minimum interval apart (a flapping
 * service cannot make the loop hammer the agent); after failures the loop backs off with jitter. A
 * connection failure moves to the next agent and retries at once while untried agents remain.
 */
final class BlockingWatch implements Watch, Callback {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BlockingWatch.class);

  private final HttpBackend backend;
  private final ServiceQuery query;
  private final WatchListener listener;
  private boolean closed;
  private long index;
  private int failures;
  /** Agents tried in the current run of connection failures; reset by any answer. */
  private int agentsTried;
  private int agentPosition;
  private final RequestBudget budget;
  private Call call;
  private ScheduledFuture<?> pending;

  BlockingWatch(HttpBackend backend, ServiceQuery query, WatchListener listener) {
    this.backend = backend;
    this.query = query;
    this.listener = listener;
    this.budget = new RequestBudget(backend.options.minRequestInterval.toNanos(), System.nanoTime());
  }

  void start() {
    send();
  }

  private void send() {
    synchronized (this) {
      if (closed) {
        return;
      }
      agentPosition = backend.rotation.current();
      HttpUrl agent = backend.rotation.agent(agentPosition);
      try {
        call = backend.newCall(agent, query, index);
      } catch (RuntimeException e) {
        // e.g. the backend's dispatcher was shut down: nothing more to do
        LOG.debug("watch of {} cannot send: {}", query, e.toString());
        return;
      }
      call.enqueue(this);
    }
  }

  @Override
  public void onResponse(Call c, Response response) {
    long previous;
    synchronized (this) {
      previous = index;
    }
    HttpBackend.Outcome outcome;
    try (response) {
      outcome = backend.outcome(response, query, backend.rotation.agent(agentPosition), previous);
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      agentsTried = 0;
      if (outcome.answer != null) {
        index = outcome.nextIndex;
        failures = 0;
        listener.onAnswer(outcome.answer); // which also clears the retry delay the listener was shown
        schedule(budget.take(System.nanoTime()));
      } else {
        // Ask afresh after a failure: the state may have changed meanwhile, and a bad body must be re-read.
        index = 0;
        failures++;
        listener.onError(outcome.error);
        backOff();
      }
    }
  }

  @Override
  public void onFailure(Call c, IOException e) {
    synchronized (this) {
      if (closed || c.isCanceled()) {
        return;
      }
      HttpUrl agent = backend.rotation.agent(agentPosition);
      backend.rotation.failed(agentPosition);
      index = 0; // another agent, or the same one restarted: its index may be unrelated
      agentsTried++;
      if (agentsTried < backend.rotation.size()) {
        LOG.debug("consul agent {} unreachable for {} ({}); trying the next agent", agent, query, e.toString());
        schedule(0);
        return;
      }
      agentsTried = 0;
      failures++;
      listener.onError(backend.unreachable(query, agent, e));
      backOff();
    }
  }

  /** Must hold the lock. Waits the back-off for the current failure count, and says so to the listener. */
  private void backOff() {
    Duration delay = backend.backoff.delay(failures);
    listener.onBackoff(delay);
    schedule(delay.toNanos());
  }

  /** Must hold the lock. */
  private void schedule(long delayNanos) {
    if (closed) {
      return;
    }
    if (delayNanos <= 0) {
      // Re-enter through the scheduler so that a callback never recurses into the next request.
      delayNanos = 0;
    }
    try {
      pending = backend.scheduler.schedule(this::send, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // backend closed
    }
  }

  @Override
  public void close() {
    Call c;
    ScheduledFuture<?> p;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = call;
      p = pending;
    }
    if (p != null) {
      p.cancel(false);
    }
    if (c != null) {
      c.cancel();
    }
    backend.forget(this);
  }

  /** For tests: the index the next request will send. */
  synchronized long index() {
    return index;
  }
}
