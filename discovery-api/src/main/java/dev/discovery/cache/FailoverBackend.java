package dev.discovery.cache;

import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.Watch;
import dev.discovery.spi.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Datacenter failover done by the client, for any backend: what the cache asks instead of the backend for a query
 * with {@linkplain ServiceQuery#withFailover fallback datacenters}. The query's own datacenter is always asked (the
 * query without its failover list); while its answer has fewer than {@link ServiceQuery#minHealthy()} instances the
 * fallbacks are asked in order, each as the same query {@linkplain ServiceQuery#inDatacenter in that datacenter}
 * without failover, and {@link FailoverChoice} says which answer is served. The answer served carries the
 * datacenter it came from ({@link Answer#datacenter()}, shown as {@link dev.discovery.ServiceSnapshot#datacenter()}).
 *
 * <ul>
 *   <li>A backend that can watch: the own datacenter is watched all along, a fallback only while needed, and all
 *       fallback watches close when the own datacenter has enough instances again (fail-back). See
 *       {@link FailoverWatch}.</li>
 *   <li>A backend that cannot: each refresh asks the own datacenter, then the fallbacks one after the other as far as
 *       needed.</li>
 *   <li>A fallback that cannot be asked (unreachable, or unknown to the registry: Consul's "No path to datacenter")
 *       is skipped, with one WARN naming it, and tried again after a back-off ({@link FallbackCooldown}), never in a
 *       loop.</li>
 *   <li>A failure of the own datacenter is not a reason to fail over: it is reported, so the cache serves its last
 *       good answer as stale, as for any query.</li>
 * </ul>
 */
final class FailoverBackend implements DiscoveryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverBackend.class);
  /** The longest a failed fallback is skipped; at least the refresh interval. */
  static final Duration COOLDOWN_CAP = Duration.ofSeconds(30);

  private final DiscoveryBackend delegate;
  final Settings settings;
  final ScheduledExecutorService scheduler;
  /** Per fallback query (the query in that datacenter): its failures in a row; removed when it answers again. */
  private final ConcurrentHashMap<ServiceQuery, FallbackCooldown> cooldowns = new ConcurrentHashMap<>();

  FailoverBackend(DiscoveryBackend delegate, Settings settings, ScheduledExecutorService scheduler) {
    this.delegate = delegate;
    this.settings = settings;
    this.scheduler = scheduler;
  }

  /** The query asked of its own datacenter: the same, without the failover list. */
  static ServiceQuery primaryOf(ServiceQuery query) {
    return query.withFailover(List.of());
  }

  /** The query asked of each fallback datacenter, in order. */
  static List<ServiceQuery> fallbacksOf(ServiceQuery query) {
    ServiceQuery primary = primaryOf(query);
    List<ServiceQuery> out = new ArrayList<>();
    for (String dc : query.failover()) {
      out.add(primary.inDatacenter(dc));
    }
    return List.copyOf(out);
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public boolean supportsWatch(ServiceQuery query) {
    return delegate.supportsWatch(primaryOf(query));
  }

  @Override
  public boolean supportsWatch() {
    return delegate.supportsWatch();
  }

  @Override
  public Watch watch(ServiceQuery query, WatchListener listener) {
    FailoverWatch watch = new FailoverWatch(this, query, listener);
    watch.start();
    return watch;
  }

  DiscoveryBackend delegate() {
    return delegate;
  }

  // ---- fetch: one refresh asks as far down the list as needed ----

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    List<ServiceQuery> fallbacks = fallbacksOf(query);
    return delegate.fetch(primaryOf(query)).thenCompose(primary -> {
      List<FailoverChoice.Candidate> candidates = new ArrayList<>();
      long now = settings.ticker().read();
      for (ServiceQuery f : fallbacks) {
        candidates.add(skipped(f, now) ? FailoverChoice.Candidate.UNAVAILABLE : FailoverChoice.Candidate.UNKNOWN);
      }
      List<Answer> answers = new ArrayList<>(java.util.Collections.nCopies(fallbacks.size(), (Answer) null));
      return fetchFrom(query, fallbacks, primary, candidates, answers);
    });
  }

  private CompletableFuture<Answer> fetchFrom(ServiceQuery query, List<ServiceQuery> fallbacks, Answer primary,
      List<FailoverChoice.Candidate> candidates, List<Answer> answers) {
    FailoverChoice.Decision d = FailoverChoice.decide(query.minHealthy(), primary.instances().size(), candidates);
    if (d.served() != FailoverChoice.WAIT) {
      return CompletableFuture.completedFuture(served(query, d.served(), primary, answers));
    }
    int i = d.needed().get(d.needed().size() - 1);
    ServiceQuery fallback = fallbacks.get(i);
    CompletableFuture<Answer> asked;
    try {
      asked = delegate.fetch(fallback);
    } catch (RuntimeException e) {
      asked = CompletableFuture.failedFuture(e);
    }
    return asked.handle((answer, error) -> {
      if (error != null) {
        fallbackFailed(query, fallback, unwrap(error));
        candidates.set(i, FailoverChoice.Candidate.UNAVAILABLE);
      } else {
        fallbackAnswered(query, fallback);
        answers.set(i, answer);
        candidates.set(i, FailoverChoice.Candidate.answered(answer.instances().size()));
      }
      return fetchFrom(query, fallbacks, primary, candidates, answers);
    }).thenCompose(f -> f);
  }

  /** The answer to serve for a decision: the own datacenter's, or a fallback's marked with its datacenter. */
  static Answer served(ServiceQuery query, int served, Answer primary, List<Answer> fallbackAnswers) {
    if (served == FailoverChoice.PRIMARY) {
      return primary.withDatacenter(query.datacenter());
    }
    return fallbackAnswers.get(served).withDatacenter(query.failover().get(served));
  }

  // ---- what fallbacks' failures do, shared with FailoverWatch ----

  /** Whether the fallback failed lately and must be skipped now. */
  boolean skipped(ServiceQuery fallback, long nowNanos) {
    FallbackCooldown c = cooldowns.get(fallback);
    if (c == null) {
      return false;
    }
    synchronized (c) {
      return c.coolingDown(nowNanos);
    }
  }

  /** Nanoseconds until a skipped fallback may be asked again; 0 when it may now. */
  long remainingNanos(ServiceQuery fallback, long nowNanos) {
    FallbackCooldown c = cooldowns.get(fallback);
    if (c == null) {
      return 0;
    }
    synchronized (c) {
      return c.remainingNanos(nowNanos);
    }
  }

  /** Records a fallback's failure: one WARN when it starts failing (naming the datacenter), DEBUG after. */
  void fallbackFailed(ServiceQuery query, ServiceQuery fallback, Throwable error) {
    FallbackCooldown c = cooldowns.computeIfAbsent(fallback,
        f -> new FallbackCooldown(settings.errorBackoff(), max(settings.refreshInterval(), COOLDOWN_CAP)));
    Duration delay;
    int failures;
    synchronized (c) {
      delay = c.failed(settings.ticker().read(), error instanceof InvalidQueryException);
      failures = c.failures();
    }
    String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    if (failures == 1) {
      LOG.warn("{}: fallback datacenter '{}' cannot be used ({}); skipping it, next try in {} ms", query,
          fallback.datacenter(), message, delay.toMillis());
    } else {
      LOG.debug("{}: fallback datacenter '{}' failed again ({}), {} in a row; next try in {} ms", query,
          fallback.datacenter(), message, failures, delay.toMillis());
    }
  }

  /** Records a fallback's answer: INFO if it had been failing. */
  void fallbackAnswered(ServiceQuery query, ServiceQuery fallback) {
    FallbackCooldown c = cooldowns.remove(fallback);
    if (c != null) {
      LOG.info("{}: fallback datacenter '{}' answers again", query, fallback.datacenter());
    }
  }

  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** The cache closes the real backend; this view of it has nothing of its own to release. */
  @Override
  public void close() {}
}
