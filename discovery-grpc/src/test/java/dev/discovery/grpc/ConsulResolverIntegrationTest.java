package dev.discovery.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real gRPC servers and channels over loopback, resolved through the provider gRPC loads from
 * {@code META-INF/services}, against the testkit's Consul agent.
 */
class ConsulResolverIntegrationTest {
  private static final AtomicInteger AGENTS = new AtomicInteger();
  private static final Duration BOUND = Duration.ofSeconds(20);

  private ConsulTestAgent kit;
  private ConsulAgent agent;
  private final List<EchoServer> servers = new ArrayList<>();
  private final List<GrpcServerRegistration> registrations = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startAgent() {
    kit = ConsulTestAgent.builder().nodeName("grpc-test-" + AGENTS.incrementAndGet()).start();
    agent = ConsulAgent.create(kit.httpUri());
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    registrations.forEach(GrpcServerRegistration::close);
    for (EchoServer server : servers) {
      server.close();
    }
    agent.close();
    kit.close();
  }

  private static ConsulNameResolverProvider spiProvider() {
    return (ConsulNameResolverProvider) NameResolverRegistry.getDefaultRegistry().getProviderForScheme("consul");
  }

  private EchoServer server(String id, String... tags) {
    return serverOf("echo", id, tags);
  }

  private EchoServer serverOf(String service, String id, String... tags) {
    EchoServer server = EchoServer.start(id);
    servers.add(server);
    registrations.add(GrpcServerRegistration.register(agent, server.server,
        ServiceRegistration.builder(service).id(id).address("127.0.0.1").tags(tags).build()));
    return server;
  }

  /** A server of 'echo' registered straight with the testkit, with no check (passing until a test says else). */
  private EchoServer unwatchedServer(String id) {
    EchoServer server = EchoServer.start(id);
    servers.add(server);
    kit.registerService("{\"ID\":\"" + id + "\",\"Name\":\"echo\",\"Address\":\"127.0.0.1\",\"Port\":"
        + server.port() + "}");
    return server;
  }

  /** How many queries the SPI provider's discovery for this test's agent watches now (0 when none is open). */
  private long watchedQueries() {
    Long watched = spiProvider().watchedQueries(URI.create("http://127.0.0.1:" + kit.httpPort()));
    return watched == null ? 0 : watched;
  }

  private ManagedChannel channel(String target) {
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    channels.add(channel);
    return channel;
  }

  private String target(String pathAndQuery) {
    return "consul://127.0.0.1:" + kit.httpPort() + "/" + pathAndQuery;
  }

  private static String call(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(channel, EchoServer.SAY, CallOptions.DEFAULT.withDeadlineAfter(10,
        TimeUnit.SECONDS), "hi");
  }

  /** Calls until every named server has answered at least once (each call must succeed). */
  private static void callUntilAllAnswer(ManagedChannel channel, String... names) throws InterruptedException {
    Set<String> seen = new HashSet<>();
    Await.until("answers from " + Arrays.toString(names), BOUND, () -> {
      seen.add(call(channel));
      return seen.containsAll(List.of(names));
    });
  }

  @Test
  void theProviderIsFoundThroughMetaInfServices() {
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("consul"))
        .isInstanceOf(ConsulNameResolverProvider.class);
  }

  @Test
  void callsThroughOneChannelReachEveryRegisteredServerRoundRobin() throws Exception {
    server("echo-1");
    server("echo-2");
    server("echo-3");
    ManagedChannel channel = channel(target("echo"));
    callUntilAllAnswer(channel, "echo-1", "echo-2", "echo-3");

    // round_robin once all three are connected: 30 calls, 10 each (a new picker, should gRPC make one meanwhile,
    // starts at a random index, so allow one call either way).
    servers.forEach(s -> s.calls.set(0));
    for (int i = 0; i < 30; i++) {
      call(channel);
    }
    assertThat(servers).allSatisfy(s -> assertThat(s.calls.get()).as(s.name).isBetween(9, 11));
  }

  @Test
  void aDeregisteredServerGetsNoNewCallsAndNoCallFails() throws Exception {
    server("echo-1");
    EchoServer leaving = server("echo-2");
    server("echo-3");
    ManagedChannel channel = channel(target("echo"));
    callUntilAllAnswer(channel, "echo-1", "echo-2", "echo-3");

    registrations.get(1).close(); // deregisters; the server itself keeps running and would still answer
    // Every call below must succeed (a failure throws); the first ones may still reach echo-2.
    AtomicInteger withoutIt = new AtomicInteger();
    Await.until("30 calls in a row without echo-2", BOUND, () -> {
      withoutIt.set(call(channel).equals("echo-2") ? 0 : withoutIt.get() + 1);
      return withoutIt.get() >= 30;
    });
    int before = leaving.calls.get();
    for (int i = 0; i < 30; i++) {
      assertThat(call(channel)).isIn("echo-1", "echo-3");
    }
    assertThat(leaving.calls.get()).isEqualTo(before);
    assertThat(leaving.server.isShutdown()).isFalse();
  }

  @Test
  void aNewServerGetsTrafficWithoutANewChannel() throws Exception {
    server("echo-1");
    ManagedChannel channel = channel(target("echo"));
    assertThat(call(channel)).isEqualTo("echo-1");

    EchoServer newcomer = server("echo-2");
    Await.until("calls to the new server", BOUND, () -> {
      call(channel);
      return newcomer.calls.get() > 0;
    });
  }

  @Test
  void anAgentOutageKeepsCallsFlowingAndChangesArriveAgainAfterIt() throws Exception {
    server("echo-1");
    server("echo-2");
    ManagedChannel channel = channel(target("echo"));
    callUntilAllAnswer(channel, "echo-1", "echo-2");
    String path = "/v1/health/service/echo";
    Await.until("the blocking query to be parked at the agent", BOUND, () -> parkedAtAgent() >= 1);

    long before = kit.requestCount(path);
    kit.dropConnections(true); // cuts the parked blocking query and refuses every retry
    Await.until("a retry refused during the outage", BOUND, () -> kit.requestCount(path) >= before + 2);
    Set<String> during = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      during.add(call(channel));
    }
    assertThat(during).containsExactlyInAnyOrder("echo-1", "echo-2");

    kit.dropConnections(false);
    EchoServer after = server("echo-3");
    Await.until("the server registered after the outage to get calls", Duration.ofSeconds(40), () -> {
      call(channel);
      return after.calls.get() > 0;
    });
  }

  @Test
  void anUnknownServiceFailsFastWithUnavailableNamingIt() {
    ManagedChannel channel = channel(target("nosuch"));
    assertThatThrownBy(() -> call(channel))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("'nosuch'").contains("no healthy instance");
        });
  }

  @Test
  void anUnreachableAgentFailsFastWithUnavailableNamingTheService() {
    int port = kit.httpPort();
    kit.close(); // nothing listens there any more
    ManagedChannel channel = channel("consul://127.0.0.1:" + port + "/echo");
    assertThatThrownBy(() -> call(channel))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("consul://127.0.0.1:" + port + "/echo")
              .contains("'echo'");
        });
    kit = ConsulTestAgent.builder().start(); // for the clean-up
  }

  @Test
  void tagsHealthAndPolicyComeFromTheTarget() throws Exception {
    server("echo-1", "blue");
    server("echo-2", "green");
    server("echo-3", "green");
    kit.setServiceHealth("echo-3", "warning");

    ManagedChannel green = channel(target("echo?tag=green"));
    for (int i = 0; i < 10; i++) {
      assertThat(call(green)).isEqualTo("echo-2");
    }
    ManagedChannel greenOrWarning = channel(target("echo?tag=green&health=warning"));
    callUntilAllAnswer(greenOrWarning, "echo-2", "echo-3");

    ManagedChannel pickFirst = channel(target("echo?health=warning&lb=pick_first"));
    Set<String> answers = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      answers.add(call(pickFirst));
    }
    assertThat(answers).as("pick_first sends every call to one server").hasSize(1);
  }

  @Test
  void outlierDetectionAroundRoundRobinIsAServiceConfigAway() throws Exception {
    server("echo-1");
    server("echo-2");
    Map<String, ?> outlierDetection = Map.of("loadBalancingConfig", List.of(Map.of(
        "outlier_detection_experimental", Map.of(
            "interval", "10s",
            "baseEjectionTime", "30s",
            "maxEjectionPercent", 50.0,
            "failurePercentageEjection", Map.of("threshold", 50.0, "minimumHosts", 2.0, "requestVolume", 10.0),
            "childPolicy", List.of(Map.of("round_robin", Map.of()))))));
    ConsulNameResolverProvider provider = ConsulNameResolverProvider.builder().scheme("consul-outlier")
        .serviceConfig(outlierDetection).build();
    NameResolverRegistry.getDefaultRegistry().register(provider);
    try {
      ManagedChannel channel = channel("consul-outlier://127.0.0.1:" + kit.httpPort() + "/echo");
      callUntilAllAnswer(channel, "echo-1", "echo-2");
    } finally {
      NameResolverRegistry.getDefaultRegistry().deregister(provider);
    }
  }

  @Test
  void afterTheLastChannelShutsDownNoBlockingQueryStaysParkedAtTheAgent() throws Exception {
    server("echo-1");
    String path = "/v1/health/service/echo";
    ManagedChannel first = channel(target("echo"));
    ManagedChannel second = channel(target("echo"));
    assertThat(call(first)).isEqualTo("echo-1");
    assertThat(call(second)).isEqualTo("echo-1");
    assertThat(spiProvider().openDiscoveries()).as("one discovery per agent, shared").isEqualTo(1);
    Await.until("the blocking query to be parked at the agent", BOUND, () -> parkedAtAgent() == 1);

    first.shutdown().awaitTermination(10, TimeUnit.SECONDS);
    assertThat(call(second)).as("the other channel still resolves").isEqualTo("echo-1");
    assertThat(spiProvider().openDiscoveries()).isEqualTo(1);

    second.shutdown().awaitTermination(10, TimeUnit.SECONDS);
    Await.until("the shared discovery to be closed", BOUND, () -> spiProvider().openDiscoveries() == 0);
    Await.until("no call of ours in flight to the agent", BOUND, () -> busyCallThreads() == 0);
    long requests = kit.requestCount(path);
    // A change answers whatever query is parked (the agent only notices a closed client when it writes the answer):
    // a client still watching would send its next blocking query right after.
    server("echo-2");
    Await.until("no blocking query parked at the agent", BOUND, () -> parkedAtAgent() == 0);
    assertThat(kit.requestCount(path)).as("no blocking query sent after the last channel closed")
        .isEqualTo(requests);
  }

  @Test
  void closingTheLastChannelOfATargetStopsWatchingItsQueryWhileAnotherTargetOfTheAgentKeepsWorking()
      throws Exception {
    serverOf("echo", "echo-1");
    serverOf("other", "other-1");
    ManagedChannel echo = channel(target("echo"));
    ManagedChannel other = channel(target("other"));
    assertThat(call(echo)).isEqualTo("echo-1");
    assertThat(call(other)).isEqualTo("other-1");
    assertThat(spiProvider().openDiscoveries()).as("one discovery for the agent").isEqualTo(1);
    Await.until("both queries watched", BOUND, () -> watchedQueries() == 2);
    Await.until("both blocking queries parked at the agent", BOUND, () -> parkedAtAgent() == 2);

    other.shutdown().awaitTermination(10, TimeUnit.SECONDS);
    // No idle time-out to wait for: the query goes with its last resolver.
    Await.until("the closed target's query to be no longer watched", BOUND, () -> watchedQueries() == 1);
    assertThat(spiProvider().openDiscoveries()).as("the agent's discovery stays for 'echo'").isEqualTo(1);

    // A change to 'other' answers its parked query; a client still watching would send the next one right after.
    String otherPath = "/v1/health/service/other";
    long otherRequests = kit.requestCount(otherPath);
    serverOf("other", "other-2");
    Await.until("only the 'echo' blocking query parked at the agent", BOUND, () -> parkedAtAgent() == 1);
    assertThat(kit.requestCount(otherPath)).as("no blocking query for 'other' after its channel closed")
        .isEqualTo(otherRequests);

    // The other target's watch is untouched: it still follows changes.
    EchoServer newcomer = serverOf("echo", "echo-2");
    Await.until("calls through the open channel to reach the new 'echo' server", BOUND, () -> {
      call(echo);
      return newcomer.calls.get() > 0;
    });
    assertThat(watchedQueries()).isEqualTo(1);
  }

  @Test
  void aServerOnIpv6LoopbackIsReachedThroughTheConsulTarget() throws Exception {
    EchoServer server;
    try {
      server = EchoServer.startOn("echo-v6", "::1");
    } catch (IOException | RuntimeException e) {
      Assumptions.abort("cannot bind a gRPC server to [::1] on this machine (" + e + "); IPv6 loopback needed");
      return;
    }
    servers.add(server);
    registrations.add(GrpcServerRegistration.register(agent, server.server,
        ServiceRegistration.builder("echo").id("echo-v6").address("::1").build()));
    ManagedChannel channel = channel(target("echo"));
    for (int i = 0; i < 5; i++) {
      assertThat(call(channel)).isEqualTo("echo-v6");
    }
    assertThat(server.calls.get()).isEqualTo(5);
  }

  @Test
  void whenEveryInstanceTurnsCriticalTheChannelKeepsCallingTheLastListedOneOverItsOpenConnection()
      throws Exception {
    // Registered without GrpcServerRegistration's TTL heartbeat, which would turn the checks passing again.
    EchoServer one = unwatchedServer("echo-1");
    EchoServer two = unwatchedServer("echo-2");
    ManagedChannel open = channel(target("echo"));
    callUntilAllAnswer(open, "echo-1", "echo-2");

    // One instance failing its checks is a new, shorter list: round_robin drops echo-1 at once.
    kit.setServiceHealth("echo-1", "critical");
    AtomicInteger withoutIt = new AtomicInteger();
    Await.until("10 calls in a row to echo-2 only", BOUND, () -> {
      withoutIt.set(call(open).equals("echo-2") ? withoutIt.get() + 1 : 0);
      return withoutIt.get() >= 10;
    });

    // The last one failing too leaves no instance: the resolver reports UNAVAILABLE, never an empty list.
    kit.setServiceHealth("echo-2", "critical");
    // A new channel on the same target is given the cached answer at once. One made before the cache has the empty
    // answer connects to echo-2 and would keep it (the behaviour pinned below), so each try takes a new channel.
    // Its resolver hears the answer after the open channel's (one notification thread, in order): once a new
    // channel fails, the open channel has had the error too.
    Await.until("a new channel to fail with UNAVAILABLE naming the service", BOUND, () -> {
      ManagedChannel fresh = Grpc.newChannelBuilder(target("echo"), InsecureChannelCredentials.create()).build();
      try {
        call(fresh);
        return false;
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        return e.getStatus().getDescription().contains("no healthy instance of service 'echo'");
      } finally {
        fresh.shutdownNow();
      }
    });

    // gRPC's behaviour, pinned: a resolver error does not take subchannels away, so the open channel keeps calling
    // echo-2, which Consul lists as critical, over its open connection; every call succeeds.
    int before = one.calls.get();
    two.calls.set(0);
    for (int i = 0; i < 20; i++) {
      assertThat(call(open)).isEqualTo("echo-2");
    }
    assertThat(two.calls.get()).isEqualTo(20);
    assertThat(one.calls.get()).as("echo-1, dropped from an earlier list, gets nothing").isEqualTo(before);
  }

  @Test
  void aMalformedTargetFailsChannelCreationNamingTheTargetAndTheForm() {
    for (String target : List.of("consul:///", "consul:///a/b", "consul:///echo?health=bogus",
        "consul:///echo?colour=red", "consul:///echo?lb=no_such_policy", "consul:echo")) {
      assertThatThrownBy(() -> Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build())
          .as(target)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + target + "'")
          .hasMessageContaining("expected consul:///SERVICE");
    }
    assertThatThrownBy(() -> Grpc.newChannelBuilder("consul://user:s3cret@127.0.0.1:8500/echo",
        InsecureChannelCredentials.create()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CONSUL_HTTP_TOKEN")
        .hasMessageNotContaining("s3cret");
  }

  /** Server-side: testkit HTTP threads of this test's agent holding a blocking query. */
  private long parkedAtAgent() {
    String prefix = "consul-testkit-http-" + kit.nodeName() + "-";
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith(prefix))
        .filter(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().equals(
            "dev.discovery.consul.testkit.Store") && f.getMethodName().equals("block")))
        .count();
  }

  /** Client-side: OkHttp names the thread running a call after the call's URL. */
  private long busyCallThreads() {
    String busy = "OkHttp http://127.0.0.1:" + kit.httpPort() + "/";
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(busy)).count();
  }
}
