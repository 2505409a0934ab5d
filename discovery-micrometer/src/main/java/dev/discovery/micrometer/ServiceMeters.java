package dev.discovery.micrometer;

import dev.discovery.spi.DiscoveryObserver.Lookup;
import dev.discovery.spi.DiscoveryObserver.QueryObserver;
import dev.discovery.spi.DiscoveryObserver.QueryState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The cache meters of one service (one set of tags), shared by every query of that service, and removed
 * from the registry when the last of them closes.
 */
final class ServiceMeters {
  final Tags tags;
  private final MeterRegistry registry;
  private final Consumer<ServiceMeters> onUnused;
  private final List<QueryMeters> queries = new CopyOnWriteArrayList<>();
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  /** Indexed by {@link Lookup#ordinal()}, so that counting a lookup is an array read and an add. */
  private final Counter[] lookups = new Counter[Lookup.values().length];
  private final Counter changes;
  private final ConcurrentMap<String, Counter> errorsByCause = new ConcurrentHashMap<>();

  ServiceMeters(MeterRegistry registry, Tags tags, Consumer<ServiceMeters> onUnused) {
    this.registry = registry;
    this.tags = tags;
    this.onUnused = onUnused;
    for (Lookup result : Lookup.values()) {
      lookups[result.ordinal()] = keep(Counter.builder("discovery.lookups")
          .description("lookups, by how they were served: hit (fresh cache), load (waited for the first"
              + " answer), stale (last good answer while the registry fails), fail (threw)")
          .tags(tags).tag("result", result.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    changes = keep(Counter.builder("discovery.refresh.changes")
        .description("answers from the registry that changed the instances").tags(tags).register(registry));
    gauge("discovery.cache.staleness", "seconds",
        "seconds since the registry last confirmed the answer (the stalest query of the service)",
        m -> m.max(q -> q.state.stalenessSeconds()));
    gauge("discovery.cache.stale", null, "1 while refreshes fail and the last good answer is served, else 0",
        m -> m.max(q -> q.state.stale() ? 1 : 0));
    gauge("discovery.cache.instances", null, "instances in the last good answer (the largest of the service's"
        + " queries)", m -> m.max(q -> q.state.instances()));
    gauge("discovery.watch.backoff", "seconds", "the current retry delay after failures; 0 while healthy",
        m -> m.max(q -> q.backoffNanos / 1e9));
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  private void gauge(String name, String unit, String description, ToDoubleFunction<ServiceMeters> value) {
    keep(Gauge.builder(name, this, value).description(description).baseUnit(unit).tags(tags)
        .strongReference(true).register(registry));
  }

  /** The largest value over the live queries, ignoring NaN (no answer yet); NaN when there is none. */
  private double max(ToDoubleFunction<QueryMeters> value) {
    double max = Double.NaN;
    for (QueryMeters q : queries) {
      double v = value.applyAsDouble(q);
      if (!Double.isNaN(v) && (Double.isNaN(max) || v > max)) {
        max = v;
      }
    }
    return max;
  }

  QueryObserver add(QueryState state) {
    QueryMeters q = new QueryMeters(state);
    queries.add(q);
    return q;
  }

  boolean isUnused() {
    return queries.isEmpty();
  }

  void remove() {
    for (Meter meter : meters) {
      registry.remove(meter);
    }
    for (Counter counter : errorsByCause.values()) {
      registry.remove(counter);
    }
  }

  private Counter errors(Throwable cause) {
    String name = cause.getClass().getSimpleName();
    Counter counter = errorsByCause.get(name);
    if (counter == null) {
      counter = errorsByCause.computeIfAbsent(name, n -> Counter.builder("discovery.refresh.errors")
          .description("failed refreshes, by the exception's simple class name").tags(tags).tag("cause", n)
          .register(registry));
    }
    return counter;
  }

  /** One query's view: its live state for the gauges, and its retry delay. */
  private final class QueryMeters implements QueryObserver {
    final QueryState state;
    volatile long backoffNanos;

    QueryMeters(QueryState state) {
      this.state = state;
    }

    @Override
    public void lookup(Lookup result) {
      lookups[result.ordinal()].increment();
    }

    @Override
    public void refreshed(boolean changed) {
      if (changed) {
        changes.increment();
      }
    }

    @Override
    public void refreshFailed(Throwable cause, int consecutiveFailures) {
      errors(cause).increment();
    }

    @Override
    public void retryDelay(Duration delay) {
      backoffNanos = delay.toNanos();
    }

    @Override
    public void closed() {
      if (queries.remove(this) && queries.isEmpty()) {
        onUnused.accept(ServiceMeters.this);
      }
    }
  }
}
