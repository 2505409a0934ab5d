package dev.discovery.consul.reliability;

import dev.discovery.Await;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.ServiceDiscovery;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What the reliability tests measure: bounded waits for conditions, lookups kept up across a fault window,
 * and the library's live threads and its connections (to show nothing leaks). Never a fixed sleep-and-hope.
 */
final class Probe {
  /** Thread names the library gives its own threads (OkHttp's shared TaskRunner is the JVM's, not ours). */
  static final List<String> LIBRARY_THREADS = List.of(
      "consul-http-", "consul-http-watch", "consul-agent-", "discovery-refresh", "discovery-notify", "consul-dns");

  /** The prefix of the testkit agent's HTTP server threads. */
  static final String TESTKIT_THREADS = "consul-testkit-";

  private Probe() {}

  /** {@link Await#until(String, Duration, BooleanSupplier)}, in the argument order these tests read best in. */
  static void await(BooleanSupplier condition, Duration timeout, String what) {
    Await.until(what, timeout, condition);
  }

  static void await(BooleanSupplier condition, String what) {
    Await.until(what, condition);
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Looks {@code query} up repeatedly for {@code window} and checks every answer: no exception, never
   * empty, always {@code expectedHosts}, and the snapshot's age within the discovery's staleness bound.
   *
   * @return how many lookups were made
   */
  static long lookupsKeepAnswering(ServiceDiscovery discovery, ServiceQuery query, List<String> expectedHosts,
      Duration window, Duration maxStaleness) {
    long end = System.nanoTime() + window.toNanos();
    long n = 0;
    while (System.nanoTime() < end) {
      List<ServiceInstance> answer;
      ServiceSnapshot snapshot;
      try {
        answer = discovery.instances(query);
        snapshot = discovery.snapshot(query);
      } catch (RuntimeException e) {
        throw new AssertionError("lookup " + n + " of " + query + " threw during the fault", e);
      }
      if (!hosts(answer).equals(expectedHosts)) {
        throw new AssertionError("lookup " + n + " of " + query + " answered " + hosts(answer)
            + " during the fault instead of the cached " + expectedHosts);
      }
      if (snapshot.age().compareTo(maxStaleness) > 0) {
        throw new AssertionError("snapshot of " + query + " is " + snapshot.age() + " old, beyond " + maxStaleness);
      }
      n++;
      pause(5);
    }
    return n;
  }

  static List<String> hosts(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::host).sorted().toList();
  }

  /** Live threads whose name starts with one of the library's prefixes. */
  static List<String> libraryThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> LIBRARY_THREADS.stream().anyMatch(name::startsWith))
        .sorted()
        .toList();
  }

  /**
   * All live threads but the testkit agent's own (its HTTP server keeps idle pool threads for a minute after
   * serving many blocking queries at once; they are the stand-in Consul's, not the library's).
   */
  static int liveThreads() {
    int testkit = (int) Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(TESTKIT_THREADS))
        .count();
    return ManagementFactory.getThreadMXBean().getThreadCount() - testkit;
  }

  /** Live threads as names, for messages. */
  static List<String> liveThreadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).sorted()
        .toList();
  }

  /**
   * This process's open TCP connections to {@code port} on loopback, as {@code local->remote state}: the
   * client side of connections to an agent. Read from {@code /proc}; {@code null} where that is not available.
   */
  static List<String> connectionsTo(int port) {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return null;
    }
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(fds)) {
      for (Path fd : stream) {
        try {
          String link = Files.readSymbolicLink(fd).toString();
          if (link.startsWith("socket:[")) {
            inodes.add(link.substring(8, link.length() - 1));
          }
        } catch (IOException e) {
          // closed while listing
        }
      }
    } catch (IOException e) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && inodes.contains(f[9]) && port(f[2]) == port) {
            out.add(port(f[1]) + "->" + port + " state " + f[3]);
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table (no IPv6)
      }
    }
    return out;
  }

  private static int port(String hexAddress) {
    return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
  }

  /** A baseline of threads and sockets, taken before the library is started, to compare after it closed. */
  record Resources(List<String> ourThreads, int allThreads) {
    static Resources now() {
      return new Resources(libraryThreads(), liveThreads());
    }

    /**
     * Waits until the library's threads are back to the baseline and the process has no more threads
     * (allowing {@code jvmSlack} for the JVM's and OkHttp's shared ones), and no connection to the agent's
     * {@code agentPort} is left open on the client side.
     */
    void awaitReleased(int jvmSlack, int agentPort) {
      await(() -> libraryThreads().size() <= ourThreads.size(), Duration.ofSeconds(15),
          "the library's threads to end after close (baseline " + ourThreads + ", now " + libraryThreads() + ")");
      await(() -> liveThreads() <= allThreads + jvmSlack, Duration.ofSeconds(15),
          "live threads to return to the baseline " + allThreads + " (+" + jvmSlack + "), now " + liveThreads()
              + ": " + liveThreadNames());
      if (connectionsTo(agentPort) != null) {
        await(() -> connectionsTo(agentPort).isEmpty(), Duration.ofSeconds(15),
            "every connection to the agent to be closed, still open: " + connectionsTo(agentPort));
      }
    }
  }
}
