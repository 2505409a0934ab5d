package dev.discovery.spring;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.DiscoveryObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands every event to several observers, so the starter's own query tracking (for health) and metrics can
 * both watch one discovery. The per-lookup path loops over a fixed array and allocates nothing.
 */
public final class CompositeObserver implements DiscoveryObserver {
  private final DiscoveryObserver[] observers;

  private CompositeObserver(List<DiscoveryObserver> observers) {
    this.observers = observers.toArray(new DiscoveryObserver[0]);
  }

  /** One observer for all of {@code observers}; the only one itself when there is one. */
  public static DiscoveryObserver of(List<DiscoveryObserver> observers) {
    if (observers.isEmpty()) {
      return DiscoveryObserver.NONE;
    }
    return observers.size() == 1 ? observers.get(0) : new CompositeObserver(observers);
  }

  @Override
  public QueryObserver queryStarted(QueryState state) {
    QueryObserver[] each = new QueryObserver[observers.length];
    for (int i = 0; i < observers.length; i++) {
      each[i] = observers[i].queryStarted(state);
    }
    return new QueryObserver() {
      @Override
      public void lookup(DiscoveryObserver.Lookup result) {
        for (QueryObserver o : each) {
          o.lookup(result);
        }
      }

      @Override
      public void refreshed(boolean changed) {
        for (QueryObserver o : each) {
          o.refreshed(changed);
        }
      }

      @Override
      public void refreshFailed(Throwable cause, int consecutiveFailures) {
        for (QueryObserver o : each) {
          o.refreshFailed(cause, consecutiveFailures);
        }
      }

      @Override
      public void retryDelay(Duration delay) {
        for (QueryObserver o : each) {
          o.retryDelay(delay);
        }
      }

      @Override
      public void closed() {
        for (QueryObserver o : each) {
          o.closed();
        }
      }
    };
  }

  @Override
  public void instanceEjected(String service, String backend, ServiceInstance instance, Duration duration) {
    for (DiscoveryObserver o : observers) {
      o.instanceEjected(service, backend, instance, duration);
    }
  }

  @Override
  public void panicStarted(ServiceQuery query, String backend, int ejected, int instances) {
    for (DiscoveryObserver o : observers) {
      o.panicStarted(query, backend, ejected, instances);
    }
  }

  @Override
  public void noInstance(ServiceQuery query, String backend) {
    for (DiscoveryObserver o : observers) {
      o.noInstance(query, backend);
    }
  }

  /** The observers, for tests. */
  List<DiscoveryObserver> observers() {
    return new ArrayList<>(List.of(observers));
  }
}
