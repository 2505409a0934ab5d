package dev.discovery.examples;

import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: in one process, a Consul stand-in (or a real agent), three backends and a frontend, and a
 * walk through discovery, balancing, a crashed backend, and Consul going away.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the end-to-end demo on an embedded Consul stand-in (or a real agent with --consul).")
final class DemoCommand implements Callable<Integer> {
  static final String SERVICE = "backend";
  static final Duration TTL = Duration.ofSeconds(2);

  @Option(names = "--consul", paramLabel = "URL", description = "Use this real Consul agent instead of the stand-in")
  URI consul;

  @Option(names = "--dns", paramLabel = "HOST:PORT", description = "The real agent's DNS address (with --consul)")
  String dns;

  @Option(names = "--frontend-discovery", paramLabel = "http|dns", defaultValue = "http",
      description = "How the frontend discovers the backends (default: ${DEFAULT-VALUE})")
  String frontendDiscovery;

  @Spec CommandSpec spec;

  /** Where the story goes; the command line's standard output unless a test sets it. */
  PrintWriter out;
  private boolean consulStopped;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec != null ? spec.commandLine() : new CommandLine(this);
    if (out == null) {
      out = commandLine.getOut();
    }
    if (!frontendDiscovery.equals("http") && !frontendDiscovery.equals("dns")) {
      throw new ParameterException(commandLine, "--frontend-discovery must be 'http' or 'dns', was '"
          + frontendDiscovery + "'");
    }
    if (dns != null && consul == null) {
      throw new ParameterException(commandLine, "--dns goes with --consul (the stand-in brings its own DNS);"
          + " add --consul=URL of the agent whose DNS interface this is, or drop --dns");
    }
    if (consul != null && dns == null && frontendDiscovery.equals("dns")) {
      throw new ParameterException(commandLine, "--frontend-discovery=dns against a real agent needs its DNS"
          + " address: add --dns=HOST:PORT (Consul's default is 127.0.0.1:8600)");
    }
    if (dns != null) {
      try {
        DiscoveryOptions.parseHostPort(dns);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(commandLine, "--dns: " + e.getMessage());
      }
    }
    ConsulTestAgent standIn = null;
    URI httpUri = consul;
    InetSocketAddress dnsAddress = dns == null ? null : DiscoveryOptions.parseHostPort(dns);
    if (consul == null) {
      standIn = ConsulTestAgent.builder().start();
      httpUri = standIn.httpUri();
      dnsAddress = standIn.dnsAddress();
      out.println("Started the Consul stand-in: HTTP " + httpUri + ", DNS " + format(dnsAddress));
    } else {
      out.println("Using the Consul agent at " + httpUri + (dnsAddress == null ? "" : ", DNS " + format(dnsAddress)));
    }
    List<BackendServer> backends = new ArrayList<>(); // every backend started, the crashed one included
    ServiceDiscovery httpDiscovery = null;
    ServiceDiscovery dnsDiscovery = null;
    FrontendServer frontend = null;
    try {
      for (int i = 1; i <= 3; i++) {
        backends.add(new BackendServer(httpUri, SERVICE, SERVICE + "-" + i, TTL).start("127.0.0.1", 0));
      }
      out.println("Started 3 backends, each registered with a " + TTL.toSeconds() + " s TTL check and heartbeats.");

      // 1. What discovery sees.
      httpDiscovery = ConsulDiscovery.http().agents(httpUri)
          .cache(c -> c.maxStaleness(Duration.ofMinutes(10))).build();
      ServiceDiscovery http = httpDiscovery;
      await("3 passing backends over HTTP", Duration.ofSeconds(15), () -> http.instances(SERVICE).size() == 3);
      out.println();
      out.println("1. Instances of '" + SERVICE + "' discovered over HTTP (health API, blocking queries):");
      print(httpDiscovery.instances(SERVICE));
      if (dnsAddress != null) {
        dnsDiscovery = ConsulDiscovery.dns().server(dnsAddress).refreshInterval(Duration.ofMillis(500)).build();
        ServiceDiscovery viaDns = dnsDiscovery;
        await("3 backends over DNS", Duration.ofSeconds(15), () -> viaDns.instances(SERVICE).size() == 3);
        out.println("   ... and over DNS (SRV " + SERVICE + ".service.consul, interval refresh):");
        print(dnsDiscovery.instances(SERVICE));
      }

      // 2. Balancing through the frontend.
      ServiceDiscovery frontendView = frontendDiscovery.equals("dns") && dnsDiscovery != null ? dnsDiscovery : httpDiscovery;
      ServiceSelector selector = ServiceSelector.builder(frontendView).build();
      frontend = new FrontendServer(frontendView, selector, SERVICE).start("127.0.0.1", 0);
      out.println();
      out.println("2. 30 requests through the frontend (" + frontend.uri() + ", round robin over "
          + frontendDiscovery.toUpperCase(java.util.Locale.ROOT) + " discovery):");
      Map<String, Integer> spread = requests(frontend.uri(), 30);
      spread.forEach((who, count) -> out.println("   " + who + ": " + count));

      // 3. A backend crashes: no deregistration, the TTL check has to expire.
      BackendServer crashed = backends.get(1);
      AtomicLong viewChanged = new AtomicLong();
      frontendView.subscribe(ServiceQuery.of(SERVICE), list -> {
        if (list.stream().noneMatch(i -> i.port() == crashed.port())) {
          viewChanged.compareAndSet(0, System.nanoTime());
        }
      });
      out.println();
      out.println("3. " + crashed.id() + " crashes (stops answering and heartbeating, never deregisters).");
      long crashedAt = System.nanoTime();
      crashed.crash();
      long expiredAt = awaitExpiry(httpUri, crashed.port(), Duration.ofSeconds(30));
      await("the frontend's view to change", Duration.ofSeconds(30), () -> viewChanged.get() != 0);
      out.printf("   Its TTL check expired %d ms after the crash (TTL %d s).%n",
          (expiredAt - crashedAt) / 1_000_000, TTL.toSeconds());
      // Expiry is observed by polling Consul every 10 ms, so a frontend woken by its blocking query can be ahead
      // of the observation: anything under one polling period is "at once", not a negative delay.
      long lagMillis = (viewChanged.get() - expiredAt) / 1_000_000;
      if (lagMillis < 10) {
        out.println("   The frontend's view changed within 10 ms of Consul reporting the expiry (its blocking query"
            + " woke on the change; Consul's health API was polled every 10 ms to see the expiry).");
      } else {
        out.printf("   The frontend's view changed %d ms after Consul reported the expiry"
            + " (observed by polling Consul's health API every 10 ms).%n", lagMillis);
      }
      Map<String, Integer> after = requests(frontend.uri(), 10);
      out.println("   10 more requests: " + after);

      // 4. Consul goes away: the cache keeps answering.
      out.println();
      if (standIn != null) {
        out.println("4. The Consul stand-in stops.");
        standIn.close();
        standIn = null;
        consulStopped = true;
        ServiceDiscovery view = frontendView;
        await("the cache to notice Consul is gone", Duration.ofSeconds(30),
            () -> view.snapshot(ServiceQuery.of(SERVICE)).stale());
        ServiceSnapshot snapshot = view.snapshot(ServiceQuery.of(SERVICE));
        out.println("   Lookups are still answered from the cache, marked STALE (" + snapshot.lastError() + "):");
        print(snapshot.instances());
        out.println("   5 requests through the frontend: " + requests(frontend.uri(), 5));
      } else {
        out.println("4. (skipped: the demo does not stop a real Consul agent)");
      }
      out.println();
      out.println("5. Shutting everything down.");
      return 0;
    } finally {
      if (frontend != null) {
        frontend.close();
      }
      for (BackendServer backend : backends) {
        if (consulStopped) {
          backend.abandon(); // nothing to deregister from
        } else {
          backend.close(); // deregisters, the crashed one too: nothing is left behind in a real agent
        }
      }
      if (httpDiscovery != null) {
        httpDiscovery.close();
      }
      if (dnsDiscovery != null) {
        dnsDiscovery.close();
      }
      if (standIn != null) {
        standIn.close();
      }
      out.println("   Done.");
      out.flush();
    }
  }

  private void print(List<ServiceInstance> instances) {
    instances.stream()
        .map(i -> "   " + i.address() + "  id=" + i.id() + "  health=" + i.health() + "  tags=" + i.tags())
        .sorted()
        .forEach(out::println);
  }

  private static Map<String, Integer> requests(URI frontend, int count) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Map<String, Integer> spread = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(frontend).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      String who = response.statusCode() == 200 ? response.body().trim().replace("hello from ", "")
          : "error " + response.statusCode();
      spread.merge(who, 1, Integer::sum);
    }
    return spread;
  }

  /**
   * Watches Consul's own health API (not the library) for the moment the crashed instance stops passing,
   * so the frontend's delay is measured against an independent observation.
   */
  private static long awaitExpiry(URI consul, int port, Duration timeout) throws InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    URI health = consul.resolve("/v1/health/service/" + SERVICE + "?passing");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String body = client.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (!body.contains("\"Port\":" + port)) {
          return System.nanoTime();
        }
      } catch (IOException e) {
        // keep polling until the deadline
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("the crashed backend's TTL check did not expire within " + timeout);
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("demo: timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static String format(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}
