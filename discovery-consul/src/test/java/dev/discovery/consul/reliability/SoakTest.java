package dev.discovery.consul.reliability;

import static dev.discovery.consul.reliability.Probe.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.NoHealthyInstanceException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import dev.discovery.balance.Outcome;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.reliability.Probe.Resources;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP backend under sustained load and churn: 8 threads look services up and select instances while one
 * service changes every 100 ms (instances added and removed, health flipped) and the agent is restarted twice,
 * once keeping its data and once losing it (the agent client's managed registrations put the services back).
 *
 * <p>Only counts and eventual state are asserted, never timings, so a loaded machine makes it slower, not
 * red: no exception reaches a caller; no lookup is empty except while the agent truly held nothing (after the
 * restart that lost its data, before the registrations were restored); every answer a subscriber saw is a
 * state the agent really had, in the order it had them; after the changes stop the cache converges to the
 * agent's final state; the heap after GC ends within 32 MiB of where it was after warm-up; closing leaves no
 * thread or connection behind.
 *
 * <p>Runs {@value #DEFAULT_DURATION} by default; {@code -Dsoak.duration=PT10M} runs longer, {@code
 * -Dsoak.seed=N} replays a sequence of changes.
 */
class SoakTest {
  private static final String DEFAULT_DURATION = "PT45S";
  private static final int SERVICES = 10;
  private static final int THREADS = 8;
  private static final int MAX_CHURN_PER_SERVICE = 4;
  private static final Duration CHANGE_EVERY = Duration.ofMillis(100);
  /** How long the agent drops every connection before each restart: the "agent is down" part of a restart. */
  private static final Duration OUTAGE = Duration.ofSeconds(2);
  private static final Duration MAX_STALENESS = Duration.ofSeconds(60);
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final long HEAP_GROWTH_BOUND = 32L << 20;
  private static final int JVM_THREAD_SLACK = 8;
  /** Lookups and selections a thread makes before it sleeps 1 ms, so 8 threads leave CPU to everything else. */
  private static final int BATCH = 100;
  private static final List<String> STATUSES = List.of("passing", "warning", "critical");

  private ConsulTestAgent kit;
  private ConsulAgent agent;
  private CachingDiscovery discovery;
  private final AtomicBoolean running = new AtomicBoolean();
  private final List<Thread> lookers = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : lookers) {
      t.join(5_000);
    }
    if (discovery != null) {
      discovery.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (kit != null) {
      kit.close();
    }
  }

  /** The test's own record of what the agent holds: per service, each instance's check status. */
  private static final class Model {
    final Map<String, Map<String, String>> churn = new TreeMap<>();
    /** Per service, every distinct set of passing instance IDs the agent held, in order. */
    final Map<String, List<Set<String>>> history = new TreeMap<>();
    long changes;
    long visibleChanges;
    int nextId;

    Set<String> passing(String service) {
      Set<String> ids = new TreeSet<>();
      ids.add(anchorId(service));
      churn.get(service).forEach((id, status) -> {
        if (status.equals("passing")) {
          ids.add(id);
        }
      });
      return ids;
    }

    void record(String service, Set<String> state) {
      List<Set<String>> h = history.computeIfAbsent(service, s -> new ArrayList<>());
      if (h.isEmpty() || !h.get(h.size() - 1).equals(state)) {
        h.add(state);
      }
    }
  }

  private static String service(int i) {
    return "soak-" + i;
  }

  private static String anchorId(String service) {
    return service + "-anchor";
  }

  @Test
  void eightThreadsLookUpAndSelectWhileServicesChangeEvery100MsAndTheAgentRestartsTwice() throws Exception {
    Duration duration = Duration.parse(System.getProperty("soak.duration", DEFAULT_DURATION));
    long seed = Long.getLong("soak.seed", System.nanoTime());
    Random random = new Random(seed);
    assertThat(duration).as("soak.duration").isGreaterThanOrEqualTo(Duration.ofSeconds(10));

    kit = ConsulTestAgent.builder().start();
    Resources baseline = Resources.now();
    agent = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(kit.httpUri())
        .timeout(Duration.ofSeconds(2)).build();
    List<String> names = new ArrayList<>();
    List<Registration> registrations = new ArrayList<>();
    Model model = new Model();
    for (int i = 0; i < SERVICES; i++) {
      String name = service(i);
      names.add(name);
      // One instance per service is the application's own, kept alive by the agent client's heartbeats.
      registrations.add(agent.register(ServiceRegistration.builder(name).id(anchorId(name))
          .address("10.1." + i + ".1").port(8080).check(CheckDefinition.ttl(TTL)).build()));
      model.churn.put(name, new TreeMap<>());
      model.record(name, model.passing(name));
    }
    discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(kit.httpUri())
        .waitTime(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1))
        .errorBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).cache(c -> c.maxStaleness(MAX_STALENESS)).build();
    ServiceSelector selector = ServiceSelector.builder(discovery).build();
    Map<String, ServiceQuery> queries = new LinkedHashMap<>();
    for (String name : names) {
      queries.put(name, ServiceQuery.of(name));
      await(() -> ids(discovery.instances(queries.get(name))).equals(Set.of(anchorId(name))),
          "the first answer for " + name);
    }

    // What subscribers saw, per service, in order.
    Map<String, List<Set<String>>> seen = new TreeMap<>();
    List<Subscription> subscriptions = new ArrayList<>();
    for (String name : names) {
      List<Set<String>> states = Collections.synchronizedList(new ArrayList<>());
      seen.put(name, states);
      subscriptions.add(discovery.subscribe(queries.get(name), list -> states.add(ids(list))));
    }

    // Odd while the agent truly holds nothing for a service (lost data, registrations not yet restored).
    AtomicInteger emptyAllowed = new AtomicInteger();
    LongAdder lookups = new LongAdder();
    LongAdder selections = new LongAdder();
    LongAdder emptyWhileAllowed = new LongAdder();
    AtomicLong emptyOtherwise = new AtomicLong();
    AtomicLong errorCount = new AtomicLong();
    AtomicLong maxStaleAgeMillis = new AtomicLong();
    ConcurrentLinkedQueue<String> firstProblems = new ConcurrentLinkedQueue<>();
    ServiceQuery[] queryArray = queries.values().toArray(ServiceQuery[]::new);
    running.set(true);
    for (int t = 0; t < THREADS; t++) {
      int offset = t;
      Thread looker = new Thread(() -> {
        int n = offset;
        while (running.get()) {
          for (int b = 0; b < BATCH; b++, n++) {
            ServiceQuery query = query(queryArray, n);
            int before = emptyAllowed.get();
            try {
              List<ServiceInstance> answer = discovery.instances(query);
              lookups.increment();
              if (answer.isEmpty()) {
                countEmpty(before, emptyAllowed.get(), emptyWhileAllowed, emptyOtherwise, firstProblems,
                    "lookup of " + query.service() + " answered an empty list");
              }
            } catch (RuntimeException e) {
              problem(errorCount, firstProblems, "lookup of " + query.service() + " threw " + e);
            }
            String other = query(queryArray, n * 7 + 3).service();
            try {
              ServiceInstance chosen = selector.next(other);
              selections.increment();
              selector.report(chosen, Outcome.SUCCESS);
            } catch (NoHealthyInstanceException e) {
              countEmpty(before, emptyAllowed.get(), emptyWhileAllowed, emptyOtherwise, firstProblems,
                  "selection for " + other + " found no instance: " + e.getMessage());
            } catch (RuntimeException e) {
              problem(errorCount, firstProblems, "selection for " + other + " threw " + e);
            }
          }
          try {
            ServiceSnapshot snapshot = discovery.snapshot(query(queryArray, n));
            if (snapshot.stale()) {
              maxStaleAgeMillis.accumulateAndGet(snapshot.age().toMillis(), Math::max);
            }
          } catch (RuntimeException e) {
            problem(errorCount, firstProblems, "snapshot threw " + e);
          }
          Probe.pause(1);
        }
      }, "soak-looker-" + t);
      looker.setDaemon(true);
      lookers.add(looker);
    }

    long t0 = System.nanoTime();
    lookers.forEach(Thread::start);
    long warmUpEnd = t0 + Math.min(Duration.ofSeconds(5).toNanos(), duration.toNanos() / 9);
    long restartKeeping = t0 + duration.toNanos() / 3;
    long restartLosing = t0 + duration.toNanos() * 2 / 3;
    long end = t0 + duration.toNanos();
    long heapAfterWarmUp = -1;
    int restarts = 0;
    long next = t0;
    while (System.nanoTime() < end) {
      change(model, names, random);
      if (heapAfterWarmUp < 0 && System.nanoTime() >= warmUpEnd) {
        heapAfterWarmUp = usedHeapAfterGc();
      }
      if (restarts == 0 && System.nanoTime() >= restartKeeping) {
        // Down for a while (every connection dropped, changes keep coming), then up again with its data.
        kit.dropConnections(true);
        long outageEnd = System.nanoTime() + OUTAGE.toNanos();
        while (System.nanoTime() < outageEnd) {
          change(model, names, random);
          Probe.pause(CHANGE_EVERY.toMillis());
        }
        kit.restart(true);
        kit.dropConnections(false);
        restarts++;
      } else if (restarts == 1 && System.nanoTime() >= restartLosing) {
        // Down, then up without its data: empty answers are the truth until the heartbeats register again.
        emptyAllowed.incrementAndGet();
        kit.dropConnections(true);
        Probe.pause(OUTAGE.toMillis());
        kit.restart(false);
        kit.dropConnections(false);
        long restartedAt = System.nanoTime();
        for (String name : names) {
          model.churn.get(name).clear(); // lost with the agent's data
          model.record(name, Set.of());
          model.record(name, model.passing(name));
        }
        await(() -> anchorsAtTheAgent() == SERVICES,
            Duration.ofSeconds(60), "the managed registrations to be restored after the agent lost its data");
        for (String name : names) {
          // An answer confirmed after the restart that holds the instance: the agent has it again for good.
          await(() -> {
            ServiceSnapshot s = discovery.snapshot(queries.get(name));
            return !s.instances().isEmpty() && s.age().toNanos() < System.nanoTime() - restartedAt;
          }, Duration.ofSeconds(60), "the cache to see " + name + " restored");
        }
        emptyAllowed.incrementAndGet();
        restarts++;
      }
      next += CHANGE_EVERY.toNanos();
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        Probe.pause(sleep / 1_000_000);
      } else {
        next = System.nanoTime(); // behind (a loaded machine): no burst to catch up
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int threadsDuringLoad = Probe.liveThreads();
    long lookupCount = lookups.sum();
    long selectionCount = selections.sum();

    // The changes stop; every service must end up as the agent holds it.
    for (String name : names) {
      Set<String> expected = model.passing(name);
      await(() -> ids(discovery.instances(queries.get(name))).equals(expected), Duration.ofSeconds(60),
          "the cache to show the final state of " + name + ": " + expected);
      await(() -> {
        List<Set<String>> states = seen.get(name);
        synchronized (states) {
          return !states.isEmpty() && states.get(states.size() - 1).equals(expected);
        }
      }, Duration.ofSeconds(30), "the subscriber of " + name + " to see its final state " + expected);
    }
    running.set(false);
    for (Thread t : lookers) {
      t.join(10_000);
      assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
    }
    long heapAtEnd = usedHeapAfterGc();
    if (heapAfterWarmUp < 0) {
      heapAfterWarmUp = heapAtEnd;
    }

    // Every state a subscriber saw was one the agent held, in the order it held them.
    long statesMade = 0;
    long statesSeen = 0;
    for (String name : names) {
      List<Set<String>> history = model.history.get(name);
      List<Set<String>> states;
      synchronized (seen.get(name)) {
        states = new ArrayList<>(seen.get(name));
      }
      statesMade += history.size() - 1;
      statesSeen += inOrderWithin(name, states, history) - 1;
    }

    subscriptions.forEach(Subscription::close);
    discovery.close();
    discovery = null;
    registrations.forEach(Registration::close);
    agent.close();
    agent = null;
    AssertionError leak = null;
    try {
      baseline.awaitReleased(JVM_THREAD_SLACK, kit.httpPort());
    } catch (AssertionError e) {
      leak = e; // reported after the summary line
    }
    int threadsAfter = Probe.liveThreads();

    System.out.printf("SOAK %s seed=%d services=%d threads=%d: %.0f lookups/s, %.0f selections/s, %d changes made"
            + " (%d visible to a passing-only query), %d of %d distinct states seen by subscribers, errors=%d,"
            + " empty answers=%d (+%d while the agent had lost its data), max stale age %d ms, restarts=%d,"
            + " heap after GC %.1f MiB after warm-up -> %.1f MiB at end, live threads %d before -> %d during -> %d"
            + " after close%n",
        duration, seed, SERVICES, THREADS, lookupCount / seconds, selectionCount / seconds, model.changes,
        model.visibleChanges, statesSeen, statesMade, errorCount.get(), emptyOtherwise.get(),
        emptyWhileAllowed.sum(), maxStaleAgeMillis.get(), restarts, heapAfterWarmUp / 1048576.0,
        heapAtEnd / 1048576.0, baseline.allThreads(), threadsDuringLoad, threadsAfter);

    if (leak != null) {
      throw leak;
    }
    assertThat(restarts).as("agent restarts").isEqualTo(2);
    assertThat(errorCount.get()).as("exceptions that reached callers; first: %s", firstProblems).isZero();
    assertThat(emptyOtherwise.get()).as("empty answers while the agent held instances; first: %s", firstProblems)
        .isZero();
    assertThat(lookupCount).as("lookups").isPositive();
    assertThat(selectionCount).as("selections").isPositive();
    assertThat(model.visibleChanges).as("changes made").isPositive();
    assertThat(heapAtEnd - heapAfterWarmUp).as("heap growth after GC from warm-up to the end (bytes)")
        .isLessThanOrEqualTo(HEAP_GROWTH_BOUND);
  }

  /** How many of the services' own instances the agent holds; 0 while it cannot be asked. */
  private long anchorsAtTheAgent() {
    try {
      return agent.services().stream().filter(s -> s.id().endsWith("-anchor")).count();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static ServiceQuery query(ServiceQuery[] queries, int n) {
    return queries[Math.floorMod(n, queries.length)];
  }

  private static void countEmpty(int epochBefore, int epochAfter, LongAdder allowed, AtomicLong otherwise,
      ConcurrentLinkedQueue<String> problems, String what) {
    // Allowed if the "agent lost its data" window was open when the call started or ended, or opened between.
    if ((epochBefore & 1) == 1 || (epochAfter & 1) == 1 || epochBefore != epochAfter) {
      allowed.increment();
    } else {
      problem(otherwise, problems, what);
    }
  }

  private static void problem(AtomicLong count, ConcurrentLinkedQueue<String> problems, String what) {
    if (count.incrementAndGet() <= 5) {
      problems.add(what);
    }
  }

  /** One change at the agent: an instance added, removed, or its health flipped. */
  private void change(Model model, List<String> names, Random random) {
    String name = names.get(random.nextInt(names.size()));
    Map<String, String> churn = model.churn.get(name);
    Set<String> before = model.passing(name);
    double roll = random.nextDouble();
    if (churn.isEmpty() || churn.size() < MAX_CHURN_PER_SERVICE && roll < 0.3) {
      String id = name + "-c" + model.nextId++;
      kit.registerService("{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\",\"Address\":\"10.2."
          + (model.nextId % 250) + "." + (1 + model.nextId / 250 % 250) + "\",\"Port\":9000}");
      churn.put(id, "passing"); // no check: passing
    } else if (roll < 0.5) {
      String id = pick(churn, random);
      kit.deregisterService(kit.nodeName(), id);
      churn.remove(id);
    } else {
      String id = pick(churn, random);
      String status = churn.get(id);
      // Into or out of passing, so the change is one a passing-only query can see.
      String flipped = status.equals("passing") ? STATUSES.get(1 + random.nextInt(2)) : "passing";
      kit.setServiceHealth(id, flipped);
      churn.put(id, flipped);
    }
    model.changes++;
    Set<String> after = model.passing(name);
    if (!after.equals(before)) {
      model.visibleChanges++;
    }
    model.record(name, after);
  }

  private static String pick(Map<String, String> churn, Random random) {
    List<String> ids = new ArrayList<>(churn.keySet());
    return ids.get(random.nextInt(ids.size()));
  }

  /**
   * Checks that {@code seen} (consecutive repeats collapsed) is a subsequence of {@code history}: no state the
   * agent never held, none out of order.
   *
   * @return how many distinct states were seen
   */
  private static int inOrderWithin(String name, List<Set<String>> seen, List<Set<String>> history) {
    List<Set<String>> collapsed = new ArrayList<>();
    for (Set<String> s : seen) {
      if (collapsed.isEmpty() || !collapsed.get(collapsed.size() - 1).equals(s)) {
        collapsed.add(s);
      }
    }
    int h = 0;
    for (Set<String> s : collapsed) {
      while (h < history.size() && !history.get(h).equals(s)) {
        h++;
      }
      if (h == history.size()) {
        throw new AssertionError("subscriber of " + name + " saw " + s + ", a state the agent never held at that"
            + " point; seen " + collapsed + ", agent held " + history);
      }
      h++;
    }
    return collapsed.size();
  }

  private static Set<String> ids(List<ServiceInstance> instances) {
    // Instance IDs are <node>/<service ID>; the node is always the test agent's.
    return instances.stream().map(i -> i.id().substring(i.id().indexOf('/') + 1))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Heap in use after a full collection: the least of three tries, as the lookers keep allocating. */
  private static long usedHeapAfterGc() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      Probe.pause(50);
    }
    return least;
  }
}
