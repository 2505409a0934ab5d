package dev.discovery.consul.http;

import dev.discovery.ServiceQuery;
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
 * The watch of one query, on OkHttp's asynchronous calls: no thread of its own, and none held between requests.
 * One call at a time, so listener calls never overlap.
 *
 * <p>Its first read is an immediate one; then the {@link WatchBudget} decides. With a parked slot it runs the
 * blocking-query loop: each answer carries {@code X-Consul-Index}, the next request sends it back with
 * {@code wait}, so the agent answers as soon as the service changes (one round trip). While the agent holds the
 * request the call occupies one of {@link CallThreads}' threads (virtual on Java 24+). The index resets to 0 when it
 * goes backwards or is not positive. Requests are spaced at least the minimum interval apart (a flapping service
 * cannot make the loop hammer the agent); after failures the loop backs off with jitter. A connection failure
 * moves to the next agent and retries at once while untried agents remain.
 *
 * <p>Without a slot it waits for its turn in the budget's rotation and makes one immediate read per turn. HTTP 429
 * (too many connections from this client) is reported to the budget, not to the cache: the cached answer stays
 * good; only a run of them for this query is reported as an error.
 *
 * <p>An answer saying that Consul rejects the request itself (a filter it cannot parse, a 400; see
 * {@link dev.discovery.consul.internal.AgentStatus#rejectsRequest()}) is reported once and ends the watch: the
 * same request can never succeed, so it is not retried. The listener keeps its last good answer, if any.
 */
final class BlockingWatch implements Watch, Callback, BudgetMember {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BlockingWatch.class);
  /** Consecutive 429s for this query before the cache is told: fewer are the budget's business only. */
  static final int REJECTIONS_BEFORE_ERROR = 3;
  /** The same before the first answer, retried sooner (100 ms, doubling): a first lookup is waiting for it. */
  static final int FIRST_REJECTIONS_BEFORE_ERROR = 6;

  private final HttpBackend backend;
  private final ServiceQuery query;
  private final WatchListener listener;
  private final WatchBudget watchBudget;
  /** The change feed covering this query outside a slot, or null. */
  private final ChangeFeed feed;
  private boolean closed;
  private long index;
  private int failures;
  private int rejectedInARow;
  private boolean answered;
  /** Agents tried in the current run of connection failures; reset by any answer. */
  private int agentsTried;
  private int agentPosition;
  private final RequestBudget budget;
  /** Whether the budget gave this query a parked slot. */
  private boolean parked;
  /** The call in flight, or null; a callback of any other call is stale (cancelled) and ignored. */
  private Call call;
  /** Whether the call in flight is an immediate read outside the parked loop (the first, or a rotation turn). */
  private boolean readOutsideLoop;
  private ScheduledFuture<?> pending;

  BlockingWatch(HttpBackend backend, ServiceQuery query, WatchListener listener) {
    this.backend = backend;
    this.query = query;
    this.listener = listener;
    this.watchBudget = backend.watchBudget;
    this.feed = backend.feedFor(query);
    this.budget = new RequestBudget(backend.options.minRequestInterval.toNanos(), System.nanoTime());
  }

  void start() {
    synchronized (this) {
      sendLocked(true);
    }
  }

  // ---- the budget's calls ----

  @Override
  public boolean subscribed() {
    return listener.hasSubscribers();
  }

  @Override
  public boolean recentlyUsed() {
    return listener.recentlyUsed();
  }

  @Override
  public FeedMember feed() {
    return feed;
  }

  @Override
  public String service() {
    return query.service();
  }

  @Override
  public synchronized void park() {
    if (closed) {
      return;
    }
    parked = true;
    if (call == null && pending == null) {
      schedule(0);
    }
  }

  @Override
  public synchronized void unpark() {
    parked = false;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    if (call != null && !readOutsideLoop) {
      Call c = call;
      call = null;
      c.cancel(); // frees the connection at the agent; its callback is ignored
    }
  }

  @Override
  public synchronized void poll() {
    if (closed || call != null) {
      return;
    }
    sendLocked(true);
  }

  // ---- requests ----

  /** The parked loop's next request. */
  private void sendParked() {
    synchronized (this) {
      pending = null;
      if (closed || !parked || call != null) {
        return;
      }
      sendLocked(false);
    }
  }

  /** Must hold the lock. An immediate read ({@code outsideLoop}), or the parked loop's request at the index. */
  private void sendLocked(boolean outsideLoop) {
    if (closed) {
      return;
    }
    agentPosition = backend.rotation.current();
    HttpUrl agent = backend.rotation.agent(agentPosition);
    Call c;
    try {
      c = backend.newCall(agent, query, outsideLoop ? 0 : index);
    } catch (RuntimeException e) {
      // e.g. the backend's dispatcher was shut down: nothing more to do
      LOG.debug("watch of {} cannot send: {}", query, e.toString());
      return;
    }
    call = c;
    readOutsideLoop = outsideLoop;
    c.enqueue(this);
  }

  @Override
  public void onResponse(Call c, Response response) {
    long previous;
    synchronized (this) {
      if (c != call) {
        response.close();
        return;
      }
      previous = index;
    }
    HttpBackend.Outcome outcome;
    try (response) {
      outcome = backend.outcome(response, query, backend.rotation.agent(agentPosition), previous);
    }
    Runnable after = null;
    synchronized (this) {
      if (closed || c != call) {
        return;
      }
      call = null;
      agentsTried = 0;
      if (outcome.answer != null) {
        index = outcome.nextIndex;
        failures = 0;
        rejectedInARow = 0;
        answered = true;
        listener.onAnswer(outcome.answer); // which also clears the retry delay the listener was shown
        if (readOutsideLoop || !parked) {
          after = () -> watchBudget.done(this, 0);
        } else {
          schedule(budget.take(System.nanoTime()));
        }
      } else if (outcome.rateLimited) {
        // Too many connections from this host: the budget shrinks; this query waits for a rotation turn.
        rejectedInARow++;
        if (rejectedInARow >= (answered ? REJECTIONS_BEFORE_ERROR : FIRST_REJECTIONS_BEFORE_ERROR)) {
          listener.onError(outcome.error);
        }
        long delay = answered ? backend.backoff.delay(rejectedInARow).toNanos()
            : TimeUnit.MILLISECONDS.toNanos(100L << Math.min(rejectedInARow - 1, 6));
        String agentName = backend.agentName(backend.rotation.agent(agentPosition));
        String text = outcome.errorText;
        after = () -> {
          watchBudget.rejected(agentName, text, backend.connectionCount());
          watchBudget.done(this, delay);
        };
      } else if (outcome.rejected) {
        // A property of the query, not a passing trouble: say so once and stop asking, rather than send the
        // same rejected request every back-off for as long as the query stays cached.
        LOG.debug("watch of {} stops: Consul rejects the request ({})", query, outcome.errorText);
        closed = true;
        listener.onError(outcome.error);
        after = () -> {
          watchBudget.leave(this);
          backend.forget(this);
        };
      } else {
        // Ask afresh after a failure: the state may have changed meanwhile, and a bad body must be re-read.
        index = 0;
        failures++;
        listener.onError(outcome.error);
        after = backOff();
      }
    }
    if (after != null) {
      after.run();
    }
  }

  @Override
  public void onFailure(Call c, IOException e) {
    Runnable after;
    synchronized (this) {
      if (closed || c != call || c.isCanceled()) {
        return;
      }
      call = null;
      HttpUrl agent = backend.rotation.agent(agentPosition);
      backend.rotation.failed(agentPosition);
      index = 0; // another agent, or the same one restarted: its index may be unrelated
      agentsTried++;
      if (agentsTried < backend.rotation.size()) {
        LOG.debug("consul agent {} unreachable for {} ({}); trying the next agent", agent, query, e.toString());
        sendLocked(readOutsideLoop);
        return;
      }
      agentsTried = 0;
      failures++;
      listener.onError(backend.unreachable(query, agent, e));
      after = backOff();
    }
    if (after != null) {
      after.run();
    }
  }

  /**
   * Must hold the lock. Waits the back-off for the current failure count, and says so to the listener: in the
   * parked loop by a timer, outside it by the budget's queue (run the result after releasing the lock).
   */
  private Runnable backOff() {
    Duration delay = backend.backoff.delay(failures);
    listener.onBackoff(delay);
    if (readOutsideLoop || !parked) {
      return () -> watchBudget.done(this, delay.toNanos());
    }
    schedule(delay.toNanos());
    return null;
  }

  /** Must hold the lock. The parked loop's next request after {@code delayNanos}. */
  private void schedule(long delayNanos) {
    if (closed) {
      return;
    }
    // Even with no delay, re-enter through the scheduler so that a callback never recurses into the next request.
    try {
      pending = backend.scheduler.schedule(this::sendParked, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
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
      call = null;
      p = pending;
    }
    if (p != null) {
      p.cancel(false);
    }
    if (c != null) {
      c.cancel();
    }
    watchBudget.leave(this);
    backend.forget(this);
  }

  /** For tests: the index the next request will send. */
  synchronized long index() {
    return index;
  }

  /** For tests: whether the query holds a parked slot. */
  synchronized boolean isParked() {
    return parked;
  }
}
