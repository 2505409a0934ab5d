package dev.discovery.consul.http;

import dev.discovery.consul.internal.ConsulIndex;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The change feed of one backend and datacenter: two parked blocking queries, {@code /v1/health/state/any}
 * (checks) and {@code /v1/catalog/services} (services), whose answers {@link FeedDiff} compares to tell the
 * {@link WatchBudget} which services changed, so that the queries outside the budget's slots are read only then
 * (see {@link FeedDiff} for what each source covers and when it names every service).
 *
 * <p>Each source runs Consul's blocking loop: the first request is immediate and gives the baseline; each next one
 * sends the last {@code X-Consul-Index} with {@code wait}; an index that goes backwards or is not positive resets
 * to 0 (as for every watch), and since the feed cannot then vouch for what happened in between it names every
 * service. Requests of a source are spaced by the backend's minimum request interval. The feed is ready when both
 * baselines are in. Any failure (connection, HTTP error, 429, an unusable body) stops both sources and tells the
 * budget, which puts the covered queries back in the rotation and starts the feed again later: the feed only ever
 * saves reads, it never stands between a query and its answer.
 *
 * <p>The feed sends the backend's token and its {@code dc} and {@code stale} settings, never {@code cached}: an
 * agent-cached answer could lag the change it is meant to report. No thread of its own: OkHttp's asynchronous calls
 * and the backend's scheduler.
 */
final class ChangeFeed implements FeedMember {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChangeFeed.class);
  static final String CHECKS_PATH = "v1/health/state/any";
  static final String CATALOG_PATH = "v1/catalog/services";

  private final HttpBackend backend;
  private final String datacenter;
  private final Source checks = new Source(CHECKS_PATH);
  private final Source catalog = new Source(CATALOG_PATH);
  /** Counts starts and stops: a callback of an earlier run is ignored. */
  private long generation;
  private boolean running;
  private boolean ready;
  private int agentPosition;
  /** Failures since the feed was last ready: its restart backs off. */
  private int failures;

  ChangeFeed(HttpBackend backend, String datacenter) {
    this.backend = backend;
    this.datacenter = datacenter;
  }

  @Override
  public int connections() {
    return 2;
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    ready = false;
    generation++;
    agentPosition = backend.rotation.current();
    checks.reset(System.nanoTime());
    catalog.reset(System.nanoTime());
    checks.send(generation);
    catalog.send(generation);
  }

  @Override
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    generation++;
    checks.cancel();
    catalog.cancel();
  }

  @Override
  public String toString() {
    return "change feed of " + backend.describe() + (datacenter == null ? "" : " dc " + datacenter);
  }

  /** One of the two blocking loops. Guarded by the feed's lock. */
  private final class Source implements Callback {
    final String path;
    long index;
    Object state;
    boolean baseline;
    Call call;
    ScheduledFuture<?> pending;
    RequestBudget pace;

    Source(String path) {
      this.path = path;
    }

    void reset(long now) {
      index = 0;
      state = null;
      baseline = false;
      pace = new RequestBudget(backend.options.minRequestInterval.toNanos(), now);
    }

    void cancel() {
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
      if (call != null) {
        call.cancel();
        call = null;
      }
    }

    /** Must hold the feed's lock. */
    void send(long gen) {
      pending = null;
      if (!running || gen != generation) {
        return;
      }
      HttpUrl agent = backend.rotation.agent(agentPosition);
      HttpUrl.Builder u = agent.newBuilder().addPathSegments(path);
      String dc = datacenter != null ? datacenter : backend.options.datacenter;
      if (dc != null) {
        u.addQueryParameter("dc", dc);
      }
      if (backend.options.stale) {
        u.addQueryParameter("stale", null);
      }
      if (index > 0) {
        u.addQueryParameter("index", Long.toString(index));
        u.addQueryParameter("wait", HealthRequests.waitParameter(backend.options.waitTime));
      }
      try {
        call = backend.newFeedCall(u.build(), index > 0);
      } catch (RuntimeException e) {
        LOG.debug("{} cannot send: {}", ChangeFeed.this, e.toString());
        return; // the backend is closing
      }
      call.enqueue(this);
    }

    @Override
    public void onFailure(Call c, IOException e) {
      fail(c, "cannot reach the agent (" + e.getClass().getSimpleName() + ")", true, false, "");
    }

    @Override
    public void onResponse(Call c, Response response) {
      try (response) {
        if (response.code() != 200) {
          String text = backend.errorText(response);
          fail(c, "HTTP " + response.code() + " " + text, false, response.code() == 429, text);
          return;
        }
        byte[] body = backend.readBody(response);
        Object parsed = path.equals(CHECKS_PATH) ? FeedDiff.parseChecks(body) : FeedDiff.parseCatalog(body);
        answered(c, parsed, response.header("X-Consul-Index"));
      } catch (IOException e) {
        fail(c, "an unusable answer (" + e.getMessage() + ")", false, false, "");
      }
    }

    @SuppressWarnings("unchecked")
    private void answered(Call c, Object parsed, String indexHeader) {
      WatchBudget budget = backend.watchBudget;
      FeedDiff.Changes changes = FeedDiff.Changes.NONE;
      boolean becameReady = false;
      synchronized (ChangeFeed.this) {
        if (c != call || !running) {
          return;
        }
        call = null;
        long before = index;
        long next = ConsulIndex.next(index, indexHeader);
        if (baseline) {
          FeedDiff.Changes visible = path.equals(CHECKS_PATH)
              ? FeedDiff.checks((Map<String, FeedDiff.Check>) state, (Map<String, FeedDiff.Check>) parsed)
              : FeedDiff.catalog((Map<String, Set<String>>) state, (Map<String, Set<String>>) parsed);
          // A reset (next == 0 after a positive index) cannot vouch for what happened in between: all.
          changes = next == 0 ? FeedDiff.Changes.ALL : FeedDiff.of(visible, before, next);
        }
        if (before > 0 && next == 0) {
          LOG.debug("{}: X-Consul-Index of {} went backwards or was invalid ({} after {}); resetting to 0",
              ChangeFeed.this, path, indexHeader, before);
        }
        state = parsed;
        index = next;
        if (!baseline) {
          baseline = true;
          if (!ready && checks.baseline && catalog.baseline) {
            ready = true;
            becameReady = true;
            failures = 0;
          }
        }
        long delay = pace.take(System.nanoTime());
        long gen = generation;
        try {
          pending = backend.scheduler.schedule(() -> {
            synchronized (ChangeFeed.this) {
              send(gen);
            }
          }, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          return; // backend closed
        }
        if (!ready) {
          return;
        }
      }
      // Outside the lock: the budget calls members, which never call back into the feed under its lock.
      if (becameReady) {
        budget.feedReady(ChangeFeed.this);
      } else if (!changes.none()) {
        budget.feedChanged(ChangeFeed.this, changes);
      }
    }

    private void fail(Call c, String what, boolean unreachable, boolean rateLimited, String consulText) {
      WatchBudget budget = backend.watchBudget;
      long retry;
      synchronized (ChangeFeed.this) {
        if (c != call || !running || c.isCanceled()) {
          return;
        }
        call = null;
        running = false;
        generation++;
        checks.cancel();
        catalog.cancel();
        if (unreachable) {
          backend.rotation.failed(agentPosition); // as a watch would: the next start uses the next agent
        }
        failures++;
        retry = backend.backoff.delay(failures).toNanos();
      }
      LOG.debug("{} stopped: {} on {}; its queries are read in turn until it starts again", this, what, path);
      // Lost first: a 429 shrinks the budget, and the shrinking must find the feed already stopped with its
      // back-off set, not stop it without one.
      budget.feedLost(ChangeFeed.this, retry);
      if (rateLimited) {
        budget.rejected(backend.agentName(backend.rotation.agent(agentPosition)), consulText,
            backend.connectionCount());
      }
    }
  }
}
