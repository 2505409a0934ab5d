package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.ServiceInstance;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.AgentService;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The example backend: registration with a TTL check, heartbeats, GET /hello, deregistration on shutdown. */
class BackendServerTest {
  private ConsulTestAgent consul;
  private ConsulAgent agent;
  private CachingDiscovery discovery;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().start();
    agent = ConsulAgent.create(consul.httpUri());
    discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none()).agents(consul.httpUri())
        .errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
  }

  @AfterEach
  void stop() {
    discovery.close();
    agent.close();
    consul.close();
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private String hello(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private List<String> registeredIds() {
    return agent.services().stream().map(AgentService::id).toList();
  }

  @Test
  void registersWithATtlCheckKeptPassingByHeartbeatsAnswersHelloAndDeregistersOnClose() throws Exception {
    // A 2 s TTL: a heartbeat may come ~1.3 s late on a busy machine before the check turns critical.
    BackendServer backend = new BackendServer(consul.httpUri(), "backend", "backend-a", Duration.ofSeconds(2))
        .start("127.0.0.1", 0);
    try {
      assertThat(registeredIds()).containsExactly("backend-a");
      await("the instance to be passing", Duration.ofSeconds(20), () -> discovery.instances("backend").size() == 1);
      ServiceInstance instance = discovery.instances("backend").get(0);
      assertThat(instance.id()).endsWith("/backend-a"); // node/service ID, unique across nodes
      assertThat(instance.address()).isEqualTo("127.0.0.1:" + backend.port());
      assertThat(instance.tags()).contains("example");
      assertThat(hello(backend.port())).isEqualTo("hello from backend-a\n");

      // Three heartbeats per TTL: after several TTL periods the check can only be passing because of them.
      String pass = "/v1/agent/check/pass/service:backend-a";
      await("seven heartbeats (over two TTL periods)", Duration.ofSeconds(30), () -> consul.requestCount(pass) >= 7);
      assertThat(discovery.instances("backend")).hasSize(1);
    } finally {
      backend.close();
    }
    assertThat(registeredIds()).doesNotContain("backend-a");
    await("discovery to drop it", Duration.ofSeconds(20), () -> discovery.instances("backend").isEmpty());
    assertThatThrownBy(() -> hello(backend.port())).isInstanceOf(ConnectException.class);
    backend.close(); // idempotent
  }

  @Test
  void aCrashLeavesTheRegistrationUntilTheTtlExpiresAndCloseStillDeregisters() throws Exception {
    BackendServer backend = new BackendServer(consul.httpUri(), "backend", "backend-b", Duration.ofSeconds(1))
        .start("127.0.0.1", 0);
    await("the instance to be passing", Duration.ofSeconds(20), () -> discovery.instances("backend").size() == 1);
    backend.crash();
    assertThatThrownBy(() -> hello(backend.port())).isInstanceOf(ConnectException.class);
    await("the TTL check to expire", Duration.ofSeconds(20), () -> discovery.instances("backend").isEmpty());
    assertThat(registeredIds()).containsExactly("backend-b"); // still registered: nobody deregistered it
    backend.close();
    assertThat(registeredIds()).isEmpty();
  }

  @Test
  void registersAgainWhenARestartedAgentHasForgottenIt() throws Exception {
    try (BackendServer backend = new BackendServer(consul.httpUri(), "backend", "backend-r", Duration.ofSeconds(1))
        .start("127.0.0.1", 0)) {
      await("the instance to be passing", Duration.ofSeconds(20), () -> discovery.instances("backend").size() == 1);
      consul.restart(); // without its data: every registration is gone
      await("the backend to register again", Duration.ofSeconds(20), () -> registeredIds().contains("backend-r"));
      await("it to be passing again", Duration.ofSeconds(20), () -> discovery.instances("backend").size() == 1);
    }
    assertThat(registeredIds()).isEmpty();
  }

  @Test
  void registersWithTheTokenFromItsTokenFileWhenAclsAreOn(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    try (ConsulTestAgent secured = ConsulTestAgent.builder().aclToken("backend-token").start();
         ConsulAgent admin = ConsulAgent.builder().environment(ConsulEnvironment.none()).uri(secured.httpUri())
             .token("backend-token").build()) {
      Path tokenFile = java.nio.file.Files.writeString(dir.resolve("token"), "backend-token\n");
      try (BackendServer backend = new BackendServer(secured.httpUri(), tokenFile, "backend", "backend-t",
          Duration.ofSeconds(1)).start("127.0.0.1", 0)) {
        assertThat(admin.services()).extracting(AgentService::id).containsExactly("backend-t");
      }
      assertThat(admin.services()).isEmpty();
      BackendServer anonymous = new BackendServer(secured.httpUri(), "backend", "backend-u", Duration.ofSeconds(1));
      assertThatThrownBy(() -> anonymous.start("127.0.0.1", 0)).isInstanceOfSatisfying(ConsulAgentException.class,
          e -> assertThat(e.status()).isEqualTo(403));
    }
  }

  @Test
  void aFailedRegistrationLeavesNothingServing() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    BackendServer backend = new BackendServer(URI.create("http://127.0.0.1:" + closedPort), "backend", "backend-c",
        Duration.ofSeconds(1));
    assertThatThrownBy(() -> backend.start("127.0.0.1", port)).isInstanceOf(ConsulAgentException.class)
        .hasMessageContaining("cannot reach consul agent");
    assertThatThrownBy(() -> hello(port)).isInstanceOf(ConnectException.class);
  }

  /**
   * The real thing: {@code backend} as its own JVM, stopped with SIGTERM ({@link Process#destroy()} on Linux).
   * Its shutdown hook must deregister it.
   */
  @Test
  void aBackendProcessDeregistersOnSigterm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "backend", "--consul=" + consul.httpUri(), "--id=backend-child", "--ttl=2s")
        .redirectErrorStream(true)
        .start();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (output) {
            output.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "backend-child-output");
    reader.setDaemon(true);
    reader.start();
    try {
      await("the child backend to register and pass", Duration.ofSeconds(60),
          () -> process.isAlive() && discovery.instances("backend").size() == 1);
      ServiceInstance child = discovery.instances("backend").get(0);
      assertThat(child.id()).endsWith("/backend-child");
      assertThat(hello(child.port())).isEqualTo("hello from backend-child\n");
      // The child prints the line once registered, so it may still be on its way through the pipe.
      await("the child to say where it listens", Duration.ofSeconds(20), () -> {
        synchronized (output) {
          return output.indexOf("listening on") >= 0;
        }
      });
      String printed;
      synchronized (output) {
        printed = output.toString();
      }
      Matcher listening = Pattern.compile("backend-child listening on 127\\.0\\.0\\.1:(\\d+)").matcher(printed);
      assertThat(listening.find()).as(printed).isTrue();
      assertThat(Integer.parseInt(listening.group(1))).isEqualTo(child.port());

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the backend exits after SIGTERM").isTrue();
      assertThat(registeredIds()).doesNotContain("backend-child");
      await("discovery to drop it", Duration.ofSeconds(20), () -> discovery.instances("backend").isEmpty());
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
