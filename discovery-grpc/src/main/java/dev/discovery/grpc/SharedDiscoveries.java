package dev.discovery.grpc;

import dev.discovery.ServiceDiscovery;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The discoveries a provider built itself, one per agent, shared by every resolver of that agent and closed when
 * the last of them shuts down: one connection pool and one watch per query however many channels there are, and
 * nothing left watching once every channel is closed.
 */
final class SharedDiscoveries {
  /** A resolver's hold on a discovery; release it exactly once. */
  interface Lease {
    ServiceDiscovery discovery();

    void release();
  }

  private static final class Entry {
    final ServiceDiscovery discovery;
    int holders;

    Entry(ServiceDiscovery discovery) {
      this.discovery = discovery;
    }
  }

  private final Map<String, Entry> entries = new HashMap<>();

  /** The discovery for {@code key}, built by {@code build} if no resolver holds one now. */
  synchronized Lease acquire(String key, Supplier<ServiceDiscovery> build) {
    Entry entry = entries.get(key);
    if (entry == null) {
      entry = new Entry(build.get());
      entries.put(key, entry);
    }
    entry.holders++;
    Entry held = entry;
    return new Lease() {
      private boolean released;

      @Override
      public ServiceDiscovery discovery() {
        return held.discovery;
      }

      @Override
      public void release() {
        ServiceDiscovery toClose = null;
        synchronized (SharedDiscoveries.this) {
          if (released) {
            return;
          }
          released = true;
          if (--held.holders == 0 && entries.get(key) == held) {
            entries.remove(key);
            toClose = held.discovery;
          }
        }
        if (toClose != null) {
          toClose.close(); // stops every watch: no blocking query of ours stays at the agent
        }
      }
    };
  }

  /** The open discovery for {@code key}, or {@code null} (for tests). */
  synchronized ServiceDiscovery peek(String key) {
    Entry entry = entries.get(key);
    return entry == null ? null : entry.discovery;
  }

  /** How many discoveries are open now (for tests). */
  synchronized int open() {
    return entries.size();
  }

  /** A lease on a discovery the application owns: releasing it never closes it. */
  static Lease borrowed(ServiceDiscovery discovery) {
    return new Lease() {
      @Override
      public ServiceDiscovery discovery() {
        return discovery;
      }

      @Override
      public void release() {}
    };
  }
}
