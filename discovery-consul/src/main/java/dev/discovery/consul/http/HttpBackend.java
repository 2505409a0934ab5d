package dev.discovery.consul.http;

import dev.discovery.DiscoveryException;
import dev.discovery.consul.internal.AgentStatus;
import dev.discovery.consul.internal.AgentTransport;
import dev.discovery.consul.internal.ConsulIndex;
import dev.discovery.consul.internal.HealthParser;
import dev.discovery.consul.internal.InvalidAnswerException;
import dev.discovery.consul.internal.PreparedQueryParser;
import dev.discovery.consul.internal.ResponseTooLargeException;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.DiscoveryObserver;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The Consul HTTP backend: one-shot lookups and blocking-query watches of {@code /v1/health/service}, and
 * prepared queries run with {@code /v1/query/:name/execute} (fetched only: Consul cannot block on them).
 * All I/O is OkHttp's asynchronous calls on a dispatcher whose limits are raised far above OkHttp's 5 per
 * host, since every watched query holds one request open at its agent.
 */
final class HttpBackend implements DiscoveryBackend {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpBackend.class);
  /** Idle connections kept in an owned pool: enough for the rotation lanes and a few first loads. */
  static final int IDLE_CONNECTIONS = 8;
  /** Attempts of a first load that the agent refuses with 429 (too many connections), spaced by back-off. */
  static final int FETCH_ATTEMPTS_ON_429 = 6;

  final HttpOptions options;
  final AgentRotation rotation;
  final Backoff backoff;
  final ScheduledExecutorService scheduler;
  final WatchBudget watchBudget;
  private final AgentTransport transport;
  private final AgentTransport blockingTransport;
  private final boolean ownsPool;
  private final String description;
  private final Set<BlockingWatch> watches = ConcurrentHashMap.newKeySet();
  /** One change feed per datacenter queried ("" for the agent's own), created with its first watch. */
  private final java.util.Map<String, ChangeFeed> feeds = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile DiscoveryObserver observer;

  HttpBackend(HttpOptions options) {
    this.options = options;
    this.rotation = new AgentRotation(options.agents);
    this.backoff = new Backoff(options.minBackoff, options.maxBackoff,
        bound -> bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound + 1));
    this.description = options.describe();
    ThreadPoolExecutor calls = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), CallThreads.named("consul-http-"));
    Dispatcher dispatcher = new Dispatcher(calls);
    dispatcher.setMaxRequests(4096);
    dispatcher.setMaxRequestsPerHost(4096);
    this.watchBudget = options.watchBudget != null ? options.watchBudget
        : WatchBudget.of(options.budgetConnections, WatchBudget.DEFAULT_GROW_BACK, options.rotationInterval);
    this.ownsPool = options.httpClient == null;
    // Idle keep-alive connections count against the agent's per-client limit as much as busy ones: keep few.
    // A parked query that answered reuses its own connection at once; a rotation lane reuses one per turn.
    OkHttpClient.Builder b = ownsPool
        ? new OkHttpClient.Builder().connectionPool(new ConnectionPool(IDLE_CONNECTIONS, 30, TimeUnit.SECONDS))
        : options.httpClient.newBuilder();
    this.transport = AgentTransport.create(b.dispatcher(dispatcher).build(), options.tls, options.credentials,
        options.connectTimeout, options.requestTimeout, options.maxBodyBytes);
    this.blockingTransport = transport.withReadTimeout(
        HealthRequests.blockingTimeout(options.waitTime, options.requestTimeout));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "consul-http-watch"); // spaces the watches' requests; one per backend
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String name() {
    return "consul-http";
  }

  /**
   * The agents and the client-wide settings that change answers (default datacenter, filter, node-meta, near, the
   * tagged address used as host), for telling persisted answers apart; never the token.
   */
  @Override
  public String identity() {
    return description + " dc=" + options.datacenter + " filter=" + options.filter
        + " node-meta=" + new java.util.TreeMap<>(options.nodeMeta) + " near=" + options.near
        + " tagged-address=" + options.taggedAddress;
  }

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    CompletableFuture<Answer> result = new CompletableFuture<>();
    attempt(query, rotation.current(), 1, 1, result);
    return result;
  }

  /** One non-blocking request; a connection failure moves on to the next agent until all were tried. */
  private void attempt(ServiceQuery query, int position, int attempt, int rejections,
      CompletableFuture<Answer> result) {
    HttpUrl agent = rotation.agent(position);
    Call call;
    try {
      call = newCall(agent, query, 0);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        rotation.failed(position);
        if (attempt < rotation.size() && !closed) {
          attempt(query, rotation.current(), attempt + 1, rejections, result);
        } else {
          result.completeExceptionally(unreachable(query, agent, e));
        }
      }

      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          Outcome o = outcome(response, query, agent, 0);
          if (o.answer != null) {
            result.complete(o.answer);
          } else if (o.rateLimited && rejections < FETCH_ATTEMPTS_ON_429 && !closed) {
            // Too many connections from this host at this instant: a first load waits its turn a little
            // (100 ms, doubling, jittered) rather than fail its caller; the watches' budget shrinks meanwhile.
            watchBudget.rejected(agentName(agent), o.errorText, connectionCount());
            long bound = 100L << (rejections - 1);
            long delay = bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1);
            try {
              scheduler.schedule(() -> attempt(query, position, attempt, rejections + 1, result), delay,
                  TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
              result.completeExceptionally(o.error);
            }
          } else {
            result.completeExceptionally(o.error);
          }
        }
      }
    });
  }

  /** The cache's observer hears when the agent refuses a connection of this backend's budget. */
  @Override
  public void observe(DiscoveryObserver observer) {
    this.observer = observer;
    watchBudget.observe(observer);
  }

  @Override
  public boolean supportsWatch() {
    return true;
  }

  /** Every query but a prepared one, which Consul cannot block on: the cache refreshes those on an interval. */
  @Override
  public boolean supportsWatch(ServiceQuery query) {
    return !query.prepared();
  }

  @Override
  public Watch watch(ServiceQuery query, WatchListener listener) {
    if (closed) {
      throw new IllegalStateException(description + " is closed");
    }
    if (query.prepared()) {
      throw new IllegalArgumentException(query + " cannot be watched: Consul has no blocking query for a prepared"
          + " query's execution; fetch it (the cache refreshes it on its interval)");
    }
    BlockingWatch watch = new BlockingWatch(this, query, listener);
    watches.add(watch);
    watch.start();
    return watch;
  }

  /**
   * The change feed that covers {@code query}, or null when none can: feeds are off, or the query is a prepared
   * query or has failover datacenters (its answer may come from elsewhere than one datacenter's catalog).
   */
  ChangeFeed feedFor(ServiceQuery query) {
    if (!options.changeFeed || query.prepared() || !query.failover().isEmpty()) {
      return null;
    }
    String dc = query.datacenter() != null ? query.datacenter() : options.datacenter;
    return feeds.computeIfAbsent(dc == null ? "" : dc, k -> new ChangeFeed(this, dc));
  }

  /** A change feed's request: immediate, or blocking (with the long read time-out). */
  Call newFeedCall(HttpUrl url, boolean blocking) {
    if (LOG.isTraceEnabled()) {
      LOG.trace("GET {}", url);
    }
    return (blocking ? blockingTransport : transport).newCall(new Request.Builder().url(url).get());
  }

  /** Consul's text of an error answer, bounded and scrubbed. */
  String errorText(Response response) throws IOException {
    return AgentStatus.quote(transport.readErrorText(response));
  }

  /** A 200 answer's body, within the body cap. */
  byte[] readBody(Response response) throws IOException {
    return transport.readBody(response);
  }

  void forget(BlockingWatch watch) {
    watches.remove(watch);
  }

  /** How many watches are running (for tests and diagnostics). */
  int activeWatches() {
    return watches.size();
  }

  Call newCall(HttpUrl agent, ServiceQuery query, long index) {
    HttpUrl url = query.prepared() ? PreparedQueryRequests.url(agent, query, options)
        : HealthRequests.url(agent, query, options, index);
    if (LOG.isTraceEnabled()) {
      LOG.trace("GET {}", url);
    }
    return (index > 0 ? blockingTransport : transport).newCall(new Request.Builder().url(url).get());
  }

  /** What one response means: an answer and the next index, or the error to report. */
  static final class Outcome {
    final Answer answer;
    final long nextIndex;
    final Throwable error;
    /** HTTP 429: too many connections (or requests) from this client. */
    final boolean rateLimited;
    /** Consul's text with the error, scrubbed; empty for none. */
    final String errorText;
    /** Consul rejected the request itself ({@link AgentStatus#rejectsRequest()}): asking again cannot help. */
    final boolean rejected;

    Outcome(Answer answer, long nextIndex, Throwable error) {
      this(answer, nextIndex, error, false, "", false);
    }

    Outcome(Answer answer, long nextIndex, Throwable error, boolean rateLimited, String errorText,
        boolean rejected) {
      this.answer = answer;
      this.nextIndex = nextIndex;
      this.error = error;
      this.rateLimited = rateLimited;
      this.errorText = errorText;
      this.rejected = rejected;
    }
  }

  /** The agent's address as messages name it: scheme, host and port, never credentials. */
  String agentName(HttpUrl agent) {
    return agent.scheme() + "://" + agent.host() + ":" + agent.port();
  }

  /** Connections this backend's pool holds now, busy and idle (for the 429 warning). */
  int connectionCount() {
    return transport.client().connectionPool().connectionCount();
  }

  Outcome outcome(Response response, ServiceQuery query, HttpUrl agent, long previousIndex) {
    String agentName = agentName(agent);
    // Over HTTP/2 the budget's parked queries share connections: it may hold more of them (Java 24+).
    watchBudget.answeredOver(agentName, response.protocol() == Protocol.HTTP_2);
    try {
      if (response.code() != 200) {
        String text = transport.readErrorText(response);
        String filter = FilterExpression.of(query, options.filter);
        boolean rejected = AgentStatus.of(response.code(), text).rejectsRequest();
        return new Outcome(null, 0,
            StatusErrors.of(response.code(), text, query, agentName, description, filter),
            response.code() == 429, AgentStatus.quote(text), rejected);
      }
      if (query.prepared()) {
        PreparedQueryParser.Execution run =
            PreparedQueryParser.parse(transport.readBody(response), options.taggedAddress);
        return new Outcome(new Answer(run.result().instances(), null, run.datacenter()), 0, null);
      }
      // Parsed as it arrives: a large answer is not held whole before its first entry is read.
      HealthParser.Result parsed = HealthParser.parse(transport.bodyStream(response), query, options.taggedAddress);
      if (parsed.withoutPort() > 0 && LOG.isDebugEnabled()) {
        LOG.debug("{}: left out {} instance(s) registered without a port", query, parsed.withoutPort());
      }
      long next = ConsulIndex.next(previousIndex, response.header("X-Consul-Index"));
      if (previousIndex > 0 && next == 0) {
        LOG.debug("{}: X-Consul-Index went backwards or was invalid ({} after {}); resetting to 0", query,
            response.header("X-Consul-Index"), previousIndex);
      }
      return new Outcome(Answer.of(parsed.instances()), next, null);
    } catch (InvalidAnswerException | ResponseTooLargeException e) {
      return new Outcome(null, 0, new DiscoveryException(query.service(), description, "consul agent " + agentName
          + " sent an unusable answer for " + query + ": " + scrub(e.getMessage())
          + "; the answer was refused and the last good one is kept", e));
    } catch (IOException e) {
      return new Outcome(null, 0, unreachable(query, agent, e));
    }
  }

  DiscoveryException unreachable(ServiceQuery query, HttpUrl agent, IOException e) {
    String agentName = agent.scheme() + "://" + agent.host() + ":" + agent.port();
    return new DiscoveryException(query.service(), description, "cannot reach consul agent " + agentName
        + " for " + query + " (" + e.getClass().getSimpleName() + ": " + scrub(String.valueOf(e.getMessage()))
        + "); check that the agent is running and reachable, retrying with back-off", e);
  }

  /** Removes every secret from text from the network, should anything ever echo it. */
  private String scrub(String text) {
    return transport.scrub(text);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (BlockingWatch w : new ArrayList<>(watches)) {
      w.close();
    }
    feeds.values().forEach(ChangeFeed::stop);
    DiscoveryObserver heard = observer;
    if (heard != null) {
      watchBudget.unobserve(heard);
    }
    scheduler.shutdownNow();
    transport.client().dispatcher().cancelAll();
    java.util.concurrent.ExecutorService calls = transport.client().dispatcher().executorService();
    calls.shutdown();
    if (ownsPool) {
      try {
        // Cancelled calls finish quickly; wait for them so their connections are back in the pool, then close
        // every pooled socket. Bounded: close() never hangs on a stuck call.
        calls.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      transport.client().connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
