package dev.discovery.benchmarks;

import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.http.WatchBudget;
import dev.discovery.spi.DiscoveryBackend;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.Protocol;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * Figure 11: a thousand watched services of one discovery against an agent on HTTPS that speaks HTTP/2, as Consul's
 * HTTPS port does, with the default watch budget (64 connections): how many queries park, the TCP connections and
 * platform call threads they hold, idle requests per minute, and the time from a change to its visibility for the
 * first query and the last one. On Java 24+ the budget counts parked queries as streams (100 per connection) and
 * every query parks; on Java 17-23 each parked call still holds a platform thread, so the budget keeps 60 parked
 * and the rest rotate. {@code http1} runs the same against an HTTP/1.1-only server for comparison.
 *
 * <p>The agent is MockWebServer over TLS (the testkit has no TLS) with a small blocking-query double: a read with
 * {@code index} at the service's current index waits until the service changes or its {@code wait} passes, as
 * Consul's blocking queries do. The change feed is off: the double serves only {@code /v1/health/service}. Not a JMH
 * benchmark: it counts and times events.
 *
 * <p>Run: {@code java -cp benchmarks.jar dev.discovery.benchmarks.Http2BudgetLoad [services [windowSeconds
 * [changesTimed [h2|http1]]]]} (defaults 1000, 30, 20, h2).
 */
public final class Http2BudgetLoad {
  private Http2BudgetLoad() {}

  /** Consul's blocking health reads for {@code services} services of one or two instances each. */
  static final class BlockingDouble extends Dispatcher {
    private final int[] index;
    private final int[] instances;
    /** One monitor per service, so that a change wakes only the reads parked on that service. */
    private final Object[] locks;
    final AtomicLong requests = new AtomicLong();
    private volatile boolean released;

    BlockingDouble(int services) {
      index = new int[services];
      instances = new int[services];
      locks = new Object[services];
      Arrays.fill(index, 1);
      Arrays.fill(instances, 1);
      Arrays.setAll(locks, i -> new Object());
    }

    /** Answers every parked read at once, so that the server can shut down. */
    void release() {
      released = true;
      for (Object lock : locks) {
        synchronized (lock) {
          lock.notifyAll();
        }
      }
    }

    /** Adds the second instance of {@code service}, or takes it away; parked reads of it answer at once. */
    void flip(int service) {
      synchronized (locks[service]) {
        instances[service] = 3 - instances[service];
        index[service]++;
        locks[service].notifyAll();
      }
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
      requests.incrementAndGet();
      HttpUrl url = request.getRequestUrl();
      List<String> path = url.pathSegments();
      if (path.size() != 4 || !path.get(1).equals("health") || !path.get(3).startsWith("svc-")) {
        return new MockResponse().setResponseCode(404).setBody("not served by this double: " + url.encodedPath());
      }
      int service = Integer.parseInt(path.get(3).substring(4));
      String asked = url.queryParameter("index");
      long deadline = System.nanoTime() + waitNanos(url.queryParameter("wait"));
      int answerIndex;
      int count;
      synchronized (locks[service]) {
        while (asked != null && index[service] <= Long.parseLong(asked) && !released) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          locks[service].wait(Math.max(1, left / 1_000_000));
        }
        answerIndex = index[service];
        count = instances[service];
      }
      StringBuilder body = new StringBuilder("[");
      for (int i = 1; i <= count; i++) {
        body.append(i > 1 ? "," : "").append("{\"Node\":{\"Node\":\"n").append(i).append("\",\"Address\":\"10.0.0.")
            .append(i).append("\"},\"Service\":{\"ID\":\"").append(path.get(3)).append('-').append(i)
            .append("\",\"Service\":\"").append(path.get(3)).append("\",\"Address\":\"\",\"Port\":8080,")
            .append("\"Tags\":[],\"Meta\":{}},\"Checks\":[]}");
      }
      return new MockResponse().setHeader("Content-Type", "application/json")
          .setHeader("X-Consul-Index", answerIndex).setBody(body.append(']').toString());
    }

    /** Consul's {@code wait} ("5m", "300s", "300000ms"), 5 min when absent. */
    private static long waitNanos(String wait) {
      if (wait == null || wait.isEmpty()) {
        return Duration.ofMinutes(5).toNanos();
      }
      if (wait.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(wait.substring(0, wait.length() - 2))).toNanos();
      }
      long n = Long.parseLong(wait.substring(0, wait.length() - 1));
      return wait.endsWith("m") ? Duration.ofMinutes(n).toNanos() : Duration.ofSeconds(n).toNanos();
    }
  }

  private static String name(int i) {
    return WatchedServices.name(i);
  }

  /** Established TCP connections to {@code port} on this host, from /proc/net/tcp (Linux). */
  static long connectionsTo(int port) throws Exception {
    long n = 0;
    for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(file);
      if (!Files.isReadable(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        // local_address rem_address st: a client end has the server's port as its remote port; 01 = ESTABLISHED
        if (f.length > 3 && f[2].endsWith(String.format(Locale.ROOT, ":%04X", port)) && f[3].equals("01")) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * Platform threads running a call to the agent now: OkHttp names a call's thread after its URL while the call
   * runs. Virtual threads (Java 24+) are not platform threads and are not listed.
   */
  private static long busyCallThreads(int port) {
    String busy = "OkHttp https://127.0.0.1:" + port + "/";
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(busy)).count();
  }

  /** Platform threads of the backend's call pool, busy or idle (an idle one ends a minute after its last call). */
  private static long pooledCallThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("consul-http-") && !n.equals("consul-http-watch")).count();
  }

  private static long[] changeLatency(BlockingDouble agent, AtomicIntegerArray seen, int service, int n)
      throws InterruptedException {
    long[] ms = new long[n];
    for (int i = 0; i < n; i++) {
      int want = 3 - seen.get(service);
      long t0 = System.nanoTime();
      agent.flip(service);
      WatchedServices.await(() -> seen.get(service) == want, Duration.ofSeconds(60), "the change to " + name(service));
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(300); // let the watch settle into its next wait
    }
    Arrays.sort(ms);
    return ms;
  }

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long window = args.length > 1 ? Long.parseLong(args[1]) : 30;
    int timed = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    boolean http2 = !(args.length > 3 && args[3].equals("http1"));

    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("Consul Agent CA").build();
    HeldCertificate cert = new HeldCertificate.Builder().commonName("server.dc1.consul")
        .addSubjectAlternativeName("127.0.0.1").signedBy(ca).build();
    Path caPem = Files.createTempFile("consul-ca", ".pem");
    Files.writeString(caPem, ca.certificatePem());
    BlockingDouble agent = new BlockingDouble(services);
    try (MockWebServer server = new MockWebServer()) {
      server.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert, ca.certificate()).build()
          .sslSocketFactory(), false);
      server.setProtocols(http2 ? List.of(Protocol.HTTP_2, Protocol.HTTP_1_1) : List.of(Protocol.HTTP_1_1));
      server.setDispatcher(agent);
      server.start(InetAddress.getByName("127.0.0.1"), 0);
      WatchBudget budget = WatchBudget.of(WatchBudget.DEFAULT_CONNECTIONS);
      System.out.printf(Locale.ROOT, "# %d services, HTTPS agent speaking %s, budget %d, change feed off, Java %s%n",
          services, http2 ? "h2" : "HTTP/1.1 only", budget.maxConnections(), Runtime.version());
      DiscoveryBackend backend = ConsulDiscovery.http().environment(ConsulEnvironment.none())
          .agents(URI.create("https://127.0.0.1:" + server.getPort())).tls(ConsulTls.trusting(caPem))
          .watchBudget(budget).changeFeed(false).backend();
      WatchedServices watched = null;
      try {
        watched = WatchedServices.watch(backend, services);
        AtomicIntegerArray seen = watched.seen;
        Thread.sleep(5_000); // settle: the first rotation rounds, the ranking tick
        System.out.printf(Locale.ROOT, "multiplexed %s, parked %d of %d, TCP connections %d, platform threads in a call"
            + " %d (call pool %d)%n", budget.multiplexed(), budget.parked(), services, connectionsTo(server.getPort()),
            busyCallThreads(server.getPort()), pooledCallThreads());
        long r0 = agent.requests.get();
        Thread.sleep(window * 1000);
        System.out.printf(Locale.ROOT, "idle: %.0f requests/min%n", (agent.requests.get() - r0) * 60.0 / window);
        System.out.println("change visible, first query (" + name(0) + "): "
            + WatchedServices.percentiles(changeLatency(agent, seen, 0, timed)));
        System.out.println("change visible, last query (" + name(services - 1) + "): "
            + WatchedServices.percentiles(changeLatency(agent, seen, services - 1, timed)));
        System.out.printf(Locale.ROOT, "at the end: parked %d, TCP connections %d, platform threads in a call %d (call"
            + " pool %d)%n", budget.parked(), connectionsTo(server.getPort()), busyCallThreads(server.getPort()),
            pooledCallThreads());
      } finally {
        if (watched != null) {
          watched.close();
        }
        backend.close();
        agent.release();
        Files.deleteIfExists(caPem);
      }
    }
  }
}
