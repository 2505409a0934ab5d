package dev.discovery.benchmarks;

import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.http.WatchBudget;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spi.DiscoveryBackend;
import dev.discovery.spi.DiscoveryObserver;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Figure 9: a thousand watched services of one {@code ServiceDiscovery} against one agent that enforces
 * {@code limits.http_max_conns_per_client} (200, Consul's default), with the default watch budget (64): connections
 * held, threads, requests per minute reaching the agent with no changes and with one change per second, and the
 * time from a change to its visibility for a query inside the budget (reported as subscribed) and one outside it. Then
 * {@code processes} discoveries at once against the same agent, as that many processes of one host: refusals and
 * lookups that failed. Not a JMH benchmark: it counts and times events, it does not time code.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.discovery.benchmarks.BudgetLoad [services [windowSeconds
 * [changesTimed [processes [feed|rotation]]]]]} (defaults 1000, 30, 20, 3, feed; {@code rotation} turns the change
 * feed off, as before it existed). Requests counted are the queries' reads and the change feed's.
 */
public final class BudgetLoad {
  private BudgetLoad() {}

  private static String name(int i) {
    return WatchedServices.name(i);
  }

  private static String instance(String service, String id) {
    return "{\"Name\":\"" + service + "\",\"ID\":\"" + id + "\",\"Address\":\"10.0.0.1\",\"Port\":8080}";
  }

  /** Every request that reaches the agent for the watches: the queries' reads and the change feed's. */
  private static long requests(ConsulTestAgent agent, int services) {
    long n = agent.requestCount("/v1/health/state/any") + agent.requestCount("/v1/catalog/services");
    for (int i = 0; i < services; i++) {
      n += agent.requestCount("/v1/health/service/" + name(i));
    }
    return n;
  }

  private static long callThreads(ConsulTestAgent agent) {
    String busy = "OkHttp http://127.0.0.1:" + agent.httpPort() + "/";
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(busy)).count();
  }

  /** Milliseconds from a change to {@code service} until the discovery shows it, {@code n} times. */
  private static long[] changeLatency(ConsulTestAgent agent, AtomicIntegerArray seen, int index, int n)
      throws InterruptedException {
    long[] ms = new long[n];
    String service = name(index);
    int base = seen.get(index);
    for (int i = 0; i < n; i++) {
      boolean add = i % 2 == 0;
      long t0 = System.nanoTime();
      if (add) {
        agent.registerService(instance(service, service + "-x"));
      } else {
        agent.deregisterService(agent.nodeName(), service + "-x");
      }
      int want = add ? base + 1 : base;
      WatchedServices.await(() -> seen.get(index) == want, Duration.ofSeconds(60), "the change to " + service);
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(300); // let the watch settle into its next wait
    }
    Arrays.sort(ms);
    return ms;
  }

  /**
   * The same for a change of health (a check of the instance turned warning, then passing), which the change feed
   * names exactly; an instance registration without checks is a change it cannot name (all covered queries are
   * read again).
   */
  private static long[] healthLatency(ConsulTestAgent agent, AtomicIntegerArray seen, int index, int n)
      throws InterruptedException {
    long[] ms = new long[n];
    String service = name(index);
    agent.setServiceHealth(service + "-a", "passing"); // gives the instance a check
    WatchedServices.await(() -> seen.get(index) == 1, Duration.ofSeconds(60), "the check on " + service);
    Thread.sleep(300);
    for (int i = 0; i < n; i++) {
      boolean fail = i % 2 == 0;
      long t0 = System.nanoTime();
      agent.setServiceHealth(service + "-a", fail ? "warning" : "passing");
      int want = fail ? 0 : 1; // the default query asks for passing instances only
      WatchedServices.await(() -> seen.get(index) == want, Duration.ofSeconds(60), "the health change of " + service);
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(300);
    }
    Arrays.sort(ms);
    return ms;
  }

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long window = args.length > 1 ? Long.parseLong(args[1]) : 30;
    int timed = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int processes = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    // "rotation": the queries outside the budget read in turn, as before the change feed (changeFeed(false)).
    boolean feed = !(args.length > 4 && args[4].equals("rotation"));
    try (ConsulTestAgent agent = ConsulTestAgent.builder().maxConnsPerClient(200).runChecks(false).start()) {
      for (int i = 0; i < services; i++) {
        agent.registerService(instance(name(i), name(i) + "-a"));
      }
      System.out.printf(Locale.ROOT, "# %d services, agent limit 200 per client, budget %d, change feed %s, Java %s%n",
          services, WatchBudget.DEFAULT_CONNECTIONS, feed ? "on" : "off", Runtime.version());
      int threadsBefore = Thread.activeCount();
      // The backend's own watches, without the cache, so that measuring a query does not count as using it (a
      // query that is read often gets a parked slot at the next ranking). The first is "subscribed".
      DiscoveryBackend backend = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(agent.httpUri()).changeFeed(feed).backend();
      WatchedServices watched = null;
      try {
        watched = WatchedServices.watch(backend, services);
        AtomicIntegerArray seen = watched.seen;
        Thread.sleep(5_000); // settle: the first rotation rounds, the ranking tick
        System.out.printf(Locale.ROOT, "connections held %d, busy call threads %d, live threads +%d%n",
            agent.openConnections(), callThreads(agent), Thread.activeCount() - threadsBefore);
        long r0 = requests(agent, services);
        Thread.sleep(window * 1000);
        long idle = requests(agent, services) - r0;
        System.out.printf(Locale.ROOT, "idle: %.0f requests/min%n", idle * 60.0 / window);
        long r1 = requests(agent, services);
        for (int s = 0; s < window; s++) {
          String svc = name((s * 7919) % services);
          if (seen.get((s * 7919) % services) == 1) {
            agent.registerService(instance(svc, svc + "-y"));
          } else {
            agent.deregisterService(agent.nodeName(), svc + "-y");
          }
          Thread.sleep(1000);
        }
        long churn = requests(agent, services) - r1;
        System.out.printf(Locale.ROOT, "1 change/s: %.0f requests/min%n", churn * 60.0 / window);
        System.out.println("change visible, inside the budget (subscribed " + name(0) + "): "
            + WatchedServices.percentiles(changeLatency(agent, seen, 0, timed)));
        System.out.println("change visible, outside the budget (" + name(services - 1) + "): "
            + WatchedServices.percentiles(changeLatency(agent, seen, services - 1, timed)));
        System.out.println("health change visible, outside the budget (" + name(services - 2) + "): "
            + WatchedServices.percentiles(healthLatency(agent, seen, services - 2, timed)));
        System.out.printf(Locale.ROOT, "connections held %d, busy call threads %d, agent refusals %d%n",
            agent.openConnections(), callThreads(agent), agent.rejectedConnections());
      } finally {
        if (watched != null) {
          watched.close();
        }
        backend.close();
      }

      // Several processes of one host: same IP, one budget each, Consul's default limit.
      AtomicLong refusals = new AtomicLong();
      DiscoveryObserver counting = new DiscoveryObserver() {
        @Override
        public void connectionRefused(String backend, int budget) {
          refusals.incrementAndGet();
        }
      };
      long agentRefusedBefore = agent.rejectedConnections();
      List<CachingDiscovery> all = new ArrayList<>();
      long failures = 0;
      long lookups = 0;
      try {
        for (int p = 0; p < processes; p++) {
          all.add(ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(agent.httpUri())
              .changeFeed(feed).cache(c -> c.observer(counting)).build());
        }
        long end = System.nanoTime() + Duration.ofSeconds(window).toNanos();
        while (System.nanoTime() < end) {
          for (CachingDiscovery each : all) {
            for (int i = 0; i < services; i++) {
              try {
                List<ServiceInstance> found = each.instances(ServiceQuery.of(name(i)));
                lookups++;
                if (found.isEmpty()) {
                  failures++;
                }
              } catch (RuntimeException e) {
                failures++;
              }
            }
          }
          Thread.sleep(10);
        }
        System.out.printf(Locale.ROOT, "%d discoveries x %d services for %d s: %d lookups, %d failed or empty,"
            + " %d refusals by the agent, %d seen by the budgets, connections held at the end %d%n", processes,
            services, window, lookups, failures, agent.rejectedConnections() - agentRefusedBefore, refusals.get(),
            agent.openConnections());
      } finally {
        for (CachingDiscovery each : all) {
          each.close();
        }
      }
    }
  }
}
