package dev.discovery.spring.health;

import dev.discovery.ServiceQuery;
import dev.discovery.spi.DiscoveryObserver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the queries the discovery keeps fresh and how each is doing, for the health contributor. It is a
 * {@link DiscoveryObserver}, so it learns of queries as the cache starts and forgets them as it drops them,
 * without asking the discovery anything.
 */
public final class QueryStates implements DiscoveryObserver {
  private final ConcurrentHashMap<ServiceQuery, Tracked> queries = new ConcurrentHashMap<>();

  /** What is known about one watched query at one moment. */
  public record QueryHealth(ServiceQuery query, int instances, double stalenessSeconds, boolean stale,
      String lastError) {}

  @Override
  public QueryObserver queryStarted(QueryState state) {
    Tracked tracked = new Tracked(state);
    queries.put(state.query(), tracked);
    return new QueryObserver() {
      @Override
      public void refreshed(boolean changed) {
        tracked.lastError = null;
      }

      @Override
      public void refreshFailed(Throwable cause, int consecutiveFailures) {
        // The library's messages name the agent and the reason, never the token.
        tracked.lastError = cause == null ? "refresh failed" : String.valueOf(cause.getMessage());
      }

      @Override
      public void closed() {
        queries.remove(state.query(), tracked);
      }
    };
  }

  /** The watched queries, sorted by service. */
  public List<QueryHealth> snapshot() {
    List<QueryHealth> out = new ArrayList<>();
    for (Tracked t : queries.values()) {
      QueryState s = t.state;
      out.add(new QueryHealth(s.query(), s.instances(), s.stalenessSeconds(), s.stale(), s.stale() ? t.lastError : null));
    }
    out.sort(Comparator.comparing(q -> q.query().toString()));
    return out;
  }

  private static final class Tracked {
    final QueryState state;
    volatile String lastError;

    Tracked(QueryState state) {
      this.state = state;
    }
  }
}
