package dev.discovery.benchmarks;

import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.smallrye.stork.api.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;

/**
 * Figure 3: load on Consul. HTTP requests per minute reaching the agent while a client keeps 50 services
 * fresh, with no changes and with one health change per second (round robin over the services), counted by
 * the agent itself ({@code requestCount}). Not a JMH benchmark: it counts requests, it does not time code.
 *
 * <p>Run: {@code java -Dsun.net.httpserver.nodelay=true -cp benchmarks.jar dev.discovery.benchmarks.ConsulLoad
 * [windowSeconds [client [none|changes]]]} (default 20, two renewals of a 10 s watch; {@code -Dquick} uses 2 s
 * after 1 s of settling, too
 * short for watches that renew every 10 s: a smoke test only).
 */
public final class ConsulLoad {
  static final int SERVICES = 50;
  static final int INSTANCES = 3;
  static final Duration SETTLE = Duration.ofSeconds(System.getProperty("quick") != null ? 1 : 5);

  private ConsulLoad() {}

  /** A library keeping the 50 services fresh, the way its users would. */
  interface Watcher extends AutoCloseable {
    @Override
    void close() throws Exception;
  }

  interface WatcherFactory {
    Watcher start(ConsulTestAgent agent, List<String> services) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    long windowSeconds = args.length > 0 ? Long.parseLong(args[0]) : (System.getProperty("quick") != null ? 2 : 20);
    // Optional filters, for the long idle runs that see 5-minute blocking queries renew: a client name prefix
    // ("ours", "kiwi", "stork") and which case ("none" or "changes").
    String client = args.length > 1 ? args[1] : "";
    String only = args.length > 2 ? args[2] : "";
    System.out.printf(Locale.ROOT, "# Load on Consul: %d services x %d instances, window %d s after %d s settling%n",
        SERVICES, INSTANCES, windowSeconds, SETTLE.toSeconds());
    System.out.printf(Locale.ROOT, "%-28s %-22s %10s %14s%n", "client", "changes", "requests", "requests/min");
    String[][] names = {
        {"ours (blocking, defaults)", null},
        {"kiwi ServiceHealthCache", null},
        {"stork (refresh 5M default)", "5M"},
        {"stork (refresh 1s)", "1"}};
    WatcherFactory[] factories = {
        ConsulLoad::ours, ConsulLoad::kiwi, (a, s) -> stork(a, s, "5M"), (a, s) -> stork(a, s, "1")};
    for (int i = 0; i < factories.length; i++) {
      if (!names[i][0].startsWith(client)) {
        continue;
      }
      for (boolean changes : new boolean[] {false, true}) {
        if (!only.isEmpty() && !only.equals(changes ? "changes" : "none")) {
          continue;
        }
        long requests = measure(factories[i], changes, windowSeconds);
        System.out.printf(Locale.ROOT, "%-28s %-22s %10d %14.1f%n", names[i][0],
            changes ? "1 change/s" : "none", requests, requests * 60.0 / windowSeconds);
      }
    }
  }

  static long measure(WatcherFactory factory, boolean changes, long windowSeconds) throws Exception {
    List<String> services = new ArrayList<>();
    for (int i = 0; i < SERVICES; i++) {
      services.add(String.format(Locale.ROOT, "svc-%02d", i));
    }
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      int basePort = 20000;
      for (String service : services) {
        Agents.register(agent, service, INSTANCES, basePort);
        basePort += INSTANCES;
      }
      try (Watcher watcher = factory.start(agent, services)) {
        Thread.sleep(SETTLE.toMillis());
        ScheduledExecutorService changer = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "load-changer");
          t.setDaemon(true);
          return t;
        });
        try {
          long before = count(agent, services);
          if (changes) {
            AtomicInteger n = new AtomicInteger();
            changer.scheduleAtFixedRate(() -> {
              int k = n.getAndIncrement();
              String service = services.get(k % SERVICES);
              boolean down = (k / SERVICES) % 2 == 0;
              agent.setServiceHealth(Agents.id(service, 0), down ? "critical" : "passing");
            }, 0, 1, TimeUnit.SECONDS);
          }
          Thread.sleep(TimeUnit.SECONDS.toMillis(windowSeconds));
          return count(agent, services) - before;
        } finally {
          changer.shutdownNow();
        }
      }
    }
  }

  private static long count(ConsulTestAgent agent, List<String> services) {
    long total = 0;
    for (String service : services) {
      total += agent.requestCount("/v1/health/service/" + service);
    }
    return total;
  }

  static Watcher ours(ConsulTestAgent agent, List<String> services) {
    CachingDiscovery discovery = Clients.ours(agent);
    for (String service : services) {
      discovery.instances(ServiceQuery.of(service)); // loads, then keeps watching
    }
    return discovery::close;
  }

  static Watcher kiwi(ConsulTestAgent agent, List<String> services) {
    Consul client = Clients.kiwiClient(agent);
    List<ServiceHealthCache> caches = new ArrayList<>();
    for (String service : services) {
      caches.add(Clients.kiwiCache(client, service));
    }
    return () -> {
      caches.forEach(ServiceHealthCache::stop);
      client.destroy();
    };
  }

  /**
   * Stork fetches only when a lookup finds its memo expired, so the load depends on traffic: here every
   * service is looked up 10 times a second, which keeps each memo refreshed once per period.
   */
  static Watcher stork(ConsulTestAgent agent, List<String> services, String refresh) {
    List<Service> storkServices = new ArrayList<>();
    for (String service : services) {
      Service s = Clients.stork(agent, service, refresh);
      s.getInstances().await().atMost(Duration.ofSeconds(10));
      storkServices.add(s);
    }
    ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "stork-traffic");
      t.setDaemon(true);
      return t;
    });
    traffic.scheduleAtFixedRate(() -> {
      for (Service s : storkServices) {
        try {
          s.selectInstance().await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          // an instance may be critical at that moment; the next tick tries again
        }
      }
    }, 0, 100, TimeUnit.MILLISECONDS);
    return () -> {
      traffic.shutdownNow();
      traffic.awaitTermination(5, TimeUnit.SECONDS);
      Clients.shutdownStork();
    };
  }
}
