package dev.discovery.examples.spring;

import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.examples.spring.backend.BackendApplication;
import dev.discovery.examples.spring.frontend.FrontendApplication;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The one-command demo: a Consul stand-in (the testkit) unless {@code --consul=URL} names a real agent, two
 * {@link BackendApplication}s that register themselves, and a {@link FrontendApplication} that calls them.
 * (They live in packages of their own so that neither application's component scan picks up the other.)
 * It prints how 20 calls spread, shuts {@code backend-2} down (it deregisters), shows that no further call
 * goes there, prints the frontend's discovery health and stops everything. Exit code 0 when it ran through
 * (or after {@code --help}), 1 when something failed, 2 on bad usage.
 */
public final class SpringDemo {
  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: java -jar discovery-examples-spring-boot.jar [--consul=http://host:port] [--help]",
      "Runs two Spring Boot backends that register themselves and a frontend that calls them through a",
      "@LoadBalanced RestClient, shuts one backend down and shows that no further call goes there.",
      "      --consul=URL   a real Consul agent's HTTP address (default: the testkit's in-process stand-in)",
      "  -h, --help         print this help and exit",
      "Exit codes: 0 ran through, 1 something failed, 2 bad usage.");

  private SpringDemo() {}

  /** What the command line asks for: the agent to use ({@code null}: the stand-in), or an exit code. */
  record Arguments(String consulUrl, Integer exitCode) {}

  /**
   * Parses {@code args}; help goes to {@code out}, a usage error to {@code err} as one line naming the problem
   * and the fix (the convention of every command in {@code examples/README.md}).
   */
  static Arguments parse(String[] args, PrintStream out, PrintStream err) {
    String consulUrl = null;
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        out.println(USAGE);
        return new Arguments(null, 0);
      } else if (arg.startsWith("--consul=") && arg.length() > "--consul=".length()) {
        consulUrl = arg.substring("--consul=".length());
      } else {
        String problem = arg.startsWith("--consul=") ? "--consul needs a URL, such as --consul=http://127.0.0.1:8500"
            : "unknown argument '" + arg + "'";
        err.println("spring-demo: " + problem + "; see 'java -jar discovery-examples-spring-boot.jar --help'");
        return new Arguments(null, 2);
      }
    }
    return new Arguments(consulUrl, null);
  }

  /** Runs the demo; {@code --consul=http://host:port} uses that agent instead of the stand-in. */
  public static void main(String[] args) throws Exception {
    Arguments parsed = parse(args, System.out, System.err);
    if (parsed.exitCode() != null) {
      System.exit(parsed.exitCode());
    }
    String consulUrl = parsed.consulUrl();
    ConsulTestAgent standIn = consulUrl == null ? ConsulTestAgent.builder().start() : null;
    String agent = standIn != null ? standIn.httpUri().toString() : consulUrl;
    System.out.println("1. Consul agent: " + agent + (standIn != null ? " (the testkit's stand-in)" : ""));
    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    int status = 0;
    try {
      ConfigurableApplicationContext backend1 = backend(agent, "backend-1");
      ConfigurableApplicationContext backend2 = backend(agent, "backend-2");
      apps.add(backend1);
      apps.add(backend2);
      ConfigurableApplicationContext frontend = start(FrontendApplication.class, agent, "frontend",
          "management.endpoints.web.exposure.include=health", "management.endpoint.health.show-details=always");
      apps.add(frontend);
      String base = "http://127.0.0.1:" + frontend.getEnvironment().getProperty("local.server.port");
      System.out.println("2. two backends registered themselves; the frontend listens at " + base);

      HttpClient http = HttpClient.newHttpClient();
      System.out.println("3. 20 calls through the frontend: " + spread(http, base, 20));

      backend2.close();
      apps.remove(backend2);
      // The frontend's cache hears the deregistration within one round trip of its blocking query. A call made in
      // that window can still pick backend-2 and fail (Spring Cloud LoadBalancer retries only with spring-retry),
      // so the demo waits for the frontend to see it, as a rolling deploy waits between deregistering and stopping.
      long seenAfter = awaitOneBackend(http, base);
      System.out.println("4. backend-2 shut down (deregistered on the way; the frontend saw it after " + seenAfter
          + " ms); 10 more calls: " + spread(http, base, 10));

      System.out.println("5. the frontend's discovery health: " + get(http, base + "/actuator/health/discoveryConsul"));
    } catch (Exception e) {
      System.err.println("demo failed: " + e);
      status = 1;
    } finally {
      for (int i = apps.size() - 1; i >= 0; i--) {
        apps.get(i).close();
      }
      if (standIn != null) {
        standIn.close();
      }
    }
    System.out.println(status == 0 ? "6. everything shut down" : "6. shut down after the failure above");
    System.exit(status);
  }

  private static ConfigurableApplicationContext backend(String agent, String instance) {
    return start(BackendApplication.class, agent, "backend", "example.instance=" + instance,
        "discovery.consul.registration.instance-id=" + instance);
  }

  private static ConfigurableApplicationContext start(Class<?> app, String agent, String name, String... extra) {
    List<String> props = new ArrayList<>(List.of(
        "spring.application.name=" + name,
        "server.port=0",
        "server.address=127.0.0.1",
        "spring.main.banner-mode=off",
        "spring.main.log-startup-info=false",
        "logging.level.root=WARN",
        "logging.level.dev.discovery=INFO",
        // The starter's balancer reads the library's cache and never Spring Cloud's; turn that one off.
        "spring.cloud.loadbalancer.cache.enabled=false",
        "discovery.consul.agents=" + agent,
        // The demo's apps all run on this host; a real deployment keeps the default (first non-loopback).
        "discovery.consul.registration.address=127.0.0.1",
        "discovery.consul.registration.check.ttl=3s"));
    props.addAll(List.of(extra));
    return new SpringApplicationBuilder(app).properties(props.toArray(new String[0])).run();
  }

  private static Map<String, Integer> spread(HttpClient http, String base, int calls) throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(get(http, base + "/call"), 1, Integer::sum);
    }
    return counts;
  }

  /** Waits (at most 10 s) until the frontend's discovery lists one backend; returns how long that took. */
  private static long awaitOneBackend(HttpClient http, String base) throws Exception {
    long start = System.nanoTime();
    long deadline = start + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!get(http, base + "/actuator/health/discoveryConsul").contains("\"instances\":1,")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the frontend still lists backend-2 10 s after it deregistered");
      }
      Thread.sleep(5); // polling interval
    }
    return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static String get(HttpClient http, String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + " answered HTTP " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }
}
