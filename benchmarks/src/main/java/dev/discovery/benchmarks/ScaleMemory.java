package dev.discovery.benchmarks;

import dev.discovery.consul.testkit.ConsulTestAgent;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Figure 5, memory: retained bytes per instance of a 5,000-instance health answer, as each library keeps it
 * (ours: the instance list the cache holds; kiwi: the ImmutableMap its ServiceHealthCache holds; Stork: its
 * instance list). Not a JMH benchmark: it weighs, it does not time. Each library parses the same body
 * {@code copies} times and holds every result; the used heap after full GCs, minus the same before, divided
 * by {@code copies x 5000}, is the figure. Run with {@code -XX:+UseSerialGC} so a full GC leaves only live
 * objects: {@code java -XX:+UseSerialGC -cp benchmarks.jar dev.discovery.benchmarks.ScaleMemory [copies]}
 * (default 20, median of 3 rounds; {@code -Dquick}: 4, one round).
 */
public final class ScaleMemory {
  private ScaleMemory() {}

  /** Parses one copy of the body the way a library keeps it. */
  interface Keep {
    Object copy(byte[] body) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = System.getProperty("quick") != null;
    int copies = args.length > 0 ? Integer.parseInt(args[0]) : (quick ? 4 : 20);
    int rounds = quick ? 1 : 3;
    int instances = ScaleBenchmark.INSTANCES;
    byte[] body;
    ConsulTestAgent agent = Agents.withService(ScaleBenchmark.SERVICE, instances, 20000);
    try (HealthAnswers.Ours ours = new HealthAnswers.Ours(ScaleBenchmark.SERVICE);
        HealthAnswers.Kiwi kiwi = new HealthAnswers.Kiwi(agent, ScaleBenchmark.SERVICE);
        HealthAnswers.Stork stork = new HealthAnswers.Stork(agent, ScaleBenchmark.SERVICE)) {
      body = HealthAnswers.fetch(agent, ScaleBenchmark.SERVICE);
      // Parsing needs no agent; stopped, its threads allocate nothing while the heap is weighed.
      agent.close();
      System.out.printf(Locale.ROOT, "# Retained heap per instance: %d instances, body %d bytes (%.0f bytes per"
          + " entry), %d copies held per library, median of %d rounds, collectors %s%n", instances, body.length,
          body.length / (double) instances, copies, rounds,
          ManagementFactory.getGarbageCollectorMXBeans().stream()
              .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
      System.out.printf(Locale.ROOT, "%-8s %14s %16s %s%n", "library", "bytes/answer", "bytes/instance",
          "rounds (bytes/instance)");
      report("ours", copies, rounds, instances, () -> weigh(copies, body, b -> ours.parse(b)));
      report("kiwi", copies, rounds, instances, () -> weigh(copies, body, kiwi::parseAndApply));
      report("stork", copies, rounds, instances, () -> weigh(copies, body, b -> stork.parseAndApply(b, List.of())));
    } finally {
      agent.close();
    }
  }

  interface Weighing {
    long bytes() throws Exception;
  }

  private static void report(String library, int copies, int rounds, int instances, Weighing weighing)
      throws Exception {
    weighing.bytes(); // warm-up: class loading and first-use caches are not what is weighed
    long[] results = new long[rounds];
    StringBuilder each = new StringBuilder();
    for (int i = 0; i < rounds; i++) {
      results[i] = weighing.bytes();
      each.append(String.format(Locale.ROOT, " %.1f", results[i] / (double) copies / instances));
    }
    long[] sorted = results.clone();
    java.util.Arrays.sort(sorted);
    long median = sorted[rounds / 2];
    System.out.printf(Locale.ROOT, "%-8s %14d %16.1f %s%n", library, median / copies,
        median / (double) copies / instances, each.toString().trim());
  }

  /** Heap retained by {@code copies} results of {@code keep}, in bytes. */
  static long weigh(int copies, byte[] body, Keep keep) throws Exception {
    List<Object> held = new ArrayList<>(copies);
    long before = usedAfterGc();
    for (int i = 0; i < copies; i++) {
      held.add(keep.copy(body));
    }
    long after = usedAfterGc();
    if (held.size() != copies) {
      throw new IllegalStateException("lost a copy");
    }
    return after - before;
  }

  /** The least used heap seen after several full GCs: what other threads allocate in between does not count. */
  private static long usedAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(10);
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
