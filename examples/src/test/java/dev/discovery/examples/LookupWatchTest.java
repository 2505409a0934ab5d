package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.Subscription;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code lookup --watch} against an in-memory discovery that keeps the {@link ServiceDiscovery#subscribe}
 * contract, so that changes can arrive faster than anything could poll them, deterministically. The
 * end-to-end runs against the Consul stand-in are in {@link LookupCommandTest}.
 */
class LookupWatchTest {
  private static final ServiceInstance A = ServiceInstance.of("web", "10.0.0.1", 8080);
  private static final ServiceInstance B = ServiceInstance.of("web", "10.0.0.2", 8080);
  private static final ServiceInstance C = ServiceInstance.of("web", "10.0.0.3", 8080);

  @Test
  void everyListTheSubscriptionDeliversIsPrintedInOrderEvenBackToBack() throws Exception {
    try (InMemoryDiscovery registry = new InMemoryDiscovery(List.of(A))) {
      Watching watching = Watching.start(registry);
      try {
        watching.await("the first list", () -> watching.out().contains("10.0.0.1:8080"));
        // Three changes that no reader of the cache can see apart: only the subscription tells each one.
        registry.publish(List.of(A, B), List.of(B), List.of(B, C));
        watching.await("the last list", () -> watching.out().contains("10.0.0.3:8080"));
      } finally {
        watching.stop();
      }
      assertThat(lists(watching.out())).containsExactly(
          "1 instances fresh: [10.0.0.1:8080]",
          "2 instances fresh: [10.0.0.1:8080, 10.0.0.2:8080]",
          "1 instances fresh: [10.0.0.2:8080]",
          "2 instances fresh: [10.0.0.2:8080, 10.0.0.3:8080]");
      assertThat(watching.err()).isEmpty();
      assertThat(watching.exit()).isZero();
      assertThat(registry.subscriptionClosed()).as("subscription closed on interrupt").isTrue();
    }
  }

  @Test
  void aChangedListOnTheRegistrysReturnIsPrintedFreshAndEachTransitionSaidOnce() throws Exception {
    try (InMemoryDiscovery registry = new InMemoryDiscovery(List.of(A))) {
      Watching watching = Watching.start(registry);
      try {
        watching.await("the first list", () -> watching.out().contains("fresh"));
        registry.lose("connection refused");
        watching.await("the list marked stale", () -> watching.out().contains("STALE"));
        // Back with another list: the subscription delivers it while the poll may also see the return.
        registry.publish(List.of(B));
        watching.await("the new list", () -> watching.out().contains("10.0.0.2:8080"));
        watching.await("the return said", () -> watching.err().contains("answers again"));
      } finally {
        watching.stop();
      }
      List<String> lists = lists(watching.out());
      assertThat(lists.subList(0, 2)).containsExactly(
          "1 instances fresh: [10.0.0.1:8080]", "1 instances STALE: [10.0.0.1:8080]");
      // Whichever of the two threads sees the return first, the new list comes last, fresh, and only once.
      assertThat(lists.get(lists.size() - 1)).isEqualTo("1 instances fresh: [10.0.0.2:8080]");
      assertThat(lists).filteredOn(l -> l.contains("10.0.0.2")).hasSize(1);
      assertThat(lists).filteredOn(l -> l.contains("STALE")).hasSize(1);
      String[] err = watching.err().split("\\R");
      assertThat(err).hasSize(2);
      assertThat(err[0]).startsWith("lookup: lost Consul HTTP at http://127.0.0.1:1").contains("'web'")
          .contains("connection refused").contains("STALE");
      assertThat(err[1]).isEqualTo("lookup: Consul HTTP at http://127.0.0.1:1 answers again for service 'web'");
    }
  }

  /**
   * The printed lists as "COUNT instances MARK: [host:port, ...]", one per '#' header (the count word is
   * always "instances" here, to keep the expectations readable).
   */
  private static List<String> lists(String out) {
    List<String> lists = new ArrayList<>();
    String header = null;
    List<String> lines = new ArrayList<>();
    for (String line : (out + "# end").split("\\R")) {
      if (line.startsWith("# ")) {
        if (header != null) {
          String[] words = header.split(" ");
          lists.add(words[2] + " instances " + words[4] + ": " + lines);
        }
        header = line;
        lines = new ArrayList<>();
      } else {
        lines.add(line);
      }
    }
    return lists;
  }

  /** A {@code lookup web --watch} running on its own thread against the given discovery. */
  private record Watching(Thread thread, StringWriter outWriter, StringWriter errWriter, int[] exitCode) {
    static Watching start(ServiceDiscovery registry) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int[] exit = {-1};
      LookupCommand command = new LookupCommand();
      command.openRegistry = loadTimeout -> registry;
      CommandLine commandLine = new CommandLine(command);
      commandLine.setOut(new PrintWriter(out, true));
      commandLine.setErr(new PrintWriter(err, true));
      Thread thread = new Thread(() -> exit[0] = commandLine.execute(
          "web", "--consul=http://127.0.0.1:1", "--watch"), "lookup-watch-test");
      thread.start();
      return new Watching(thread, out, err, exit);
    }

    String out() {
      return outWriter.toString();
    }

    String err() {
      return errWriter.toString();
    }

    int exit() {
      return exitCode[0];
    }

    void await(String what, BooleanSupplier condition) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out waiting for " + what + "; printed so far:\n" + out() + err());
        }
        Thread.sleep(10);
      }
    }

    void stop() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      assertThat(thread.isAlive()).as("the watch ends when interrupted").isFalse();
    }
  }

  /**
   * A discovery whose answer the test sets. Like the cache, it calls a subscriber with the current list
   * first and then with every change, in order, on a thread of its own.
   */
  private static final class InMemoryDiscovery implements ServiceDiscovery {
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "in-memory-discovery-notify");
      t.setDaemon(true);
      return t;
    });
    private final List<Consumer<List<ServiceInstance>>> subscribers = new ArrayList<>();
    private final AtomicBoolean subscriptionClosed = new AtomicBoolean();
    private List<ServiceInstance> instances;
    private String lastError;

    InMemoryDiscovery(List<ServiceInstance> initial) {
      this.instances = initial;
    }

    /**
     * Applies the lists in turn, as answers from the registry. Readers of {@link #snapshot} wait meanwhile,
     * so they see at most the last one; subscribers are told of each.
     */
    @SafeVarargs
    final synchronized void publish(List<ServiceInstance>... answers) {
      for (List<ServiceInstance> answer : answers) {
        instances = answer;
        lastError = null;
        for (Consumer<List<ServiceInstance>> subscriber : subscribers) {
          notifier.execute(() -> subscriber.accept(answer));
        }
      }
    }

    /** The registry stops answering: the last list is kept, marked stale. */
    synchronized void lose(String error) {
      lastError = error;
    }

    boolean subscriptionClosed() {
      return subscriptionClosed.get();
    }

    @Override
    public synchronized List<ServiceInstance> instances(ServiceQuery query) {
      return instances;
    }

    @Override
    public CompletableFuture<List<ServiceInstance>> instancesAsync(ServiceQuery query) {
      return CompletableFuture.completedFuture(instances(query));
    }

    @Override
    public synchronized ServiceSnapshot snapshot(ServiceQuery query) {
      return new ServiceSnapshot(query, instances, Duration.ZERO, lastError != null, lastError);
    }

    @Override
    public synchronized Subscription subscribe(ServiceQuery query, Consumer<List<ServiceInstance>> onChange) {
      AtomicBoolean open = new AtomicBoolean(true);
      Consumer<List<ServiceInstance>> subscriber = list -> {
        if (open.get()) {
          onChange.accept(list);
        }
      };
      subscribers.add(subscriber);
      List<ServiceInstance> current = instances;
      notifier.execute(() -> subscriber.accept(current));
      return () -> {
        open.set(false);
        synchronized (this) {
          subscribers.remove(subscriber);
        }
        subscriptionClosed.set(true);
      };
    }

    @Override
    public void close() {
      notifier.shutdownNow();
    }
  }
}
