package dev.discovery.examples;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.grpc.ConsulNameResolverProvider;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code grpc-demo}: three gRPC echo servers that register themselves in Consul and a client channel on
 * {@code consul:///echo} that spreads its calls over them and follows a deregistration without a failed call.
 */
@Command(name = "grpc-demo", mixinStandardHelpOptions = true,
    description = "Run three gRPC echo servers that register in Consul and a client calling consul:///echo "
        + "(on an embedded Consul stand-in, or a real agent with --consul).")
final class GrpcDemoCommand implements Callable<Integer> {
  private static final int CALLS = 30;

  @Option(names = "--consul", paramLabel = "URL", description = "Use this real Consul agent instead of the stand-in")
  URI consul;

  @Spec CommandSpec spec;

  /** Where the story goes; the command line's standard output unless a test sets it. */
  PrintWriter out;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec != null ? spec.commandLine() : new CommandLine(this);
    if (out == null) {
      out = commandLine.getOut();
    }
    ConsulTestAgent standIn = null;
    URI agentUri = consul;
    if (consul == null) {
      standIn = ConsulTestAgent.builder().start();
      agentUri = standIn.httpUri();
      out.println("Started the Consul stand-in: HTTP " + agentUri);
    } else {
      out.println("Using the Consul agent at " + agentUri);
    }
    // consul:///echo takes its agent from CONSUL_HTTP_ADDR. The stand-in listens on a free port, so the demo gives
    // the resolver that address as its environment; priority 6 wins the scheme over the provider from
    // META-INF/services. An application pointed at its agent by CONSUL_HTTP_ADDR needs none of this.
    ConsulNameResolverProvider provider = ConsulNameResolverProvider.builder()
        .environment(ConsulEnvironment.of(Map.of("CONSUL_HTTP_ADDR", agentUri.toString())))
        .priority(6)
        .build();
    NameResolverRegistry.getDefaultRegistry().register(provider);
    List<GrpcEchoServer> servers = new ArrayList<>();
    ManagedChannel channel = null;
    try (ConsulAgent agent = ConsulAgent.create(agentUri)) {
      for (int i = 1; i <= 3; i++) {
        GrpcEchoServer server = GrpcEchoServer.start(agent, GrpcEchoServer.SERVICE + "-" + i, "127.0.0.1");
        servers.add(server);
        out.println("Started gRPC server " + server.id() + " on 127.0.0.1:" + server.port()
            + ", registered in Consul as service '" + GrpcEchoServer.SERVICE + "'.");
      }

      channel = Grpc.newChannelBuilder("consul:///" + GrpcEchoServer.SERVICE, InsecureChannelCredentials.create())
          .build();
      ManagedChannel echo = channel;
      out.println();
      out.println("1. One channel on consul:///" + GrpcEchoServer.SERVICE + " (round robin, pushed by blocking queries):");
      await("every server to answer", () -> spread(echo, 3).size() == 3);
      out.println("   " + CALLS + " calls: " + spread(echo, CALLS));

      GrpcEchoServer leaving = servers.remove(1);
      leaving.close(); // deregisters, then stops the server
      out.println();
      out.println("2. " + leaving.id() + " deregistered and stopped; the same channel follows:");
      await(leaving.id() + " to leave the channel", () -> !spread(echo, 6).containsKey(leaving.id()));
      out.println("   " + CALLS + " calls: " + spread(echo, CALLS) + " (none failed)");
      out.println();
      out.println("Done.");
      return 0;
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      for (GrpcEchoServer server : servers) {
        server.close();
      }
      NameResolverRegistry.getDefaultRegistry().deregister(provider);
      if (standIn != null) {
        standIn.close();
      }
    }
  }

  /** How {@code count} calls spread over the instances; any failed call ends the demo with its status. */
  private static Map<String, Integer> spread(ManagedChannel channel, int count) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      String answer = GrpcEchoServer.say(channel, "demo");
      counts.merge(answer.substring(0, answer.indexOf(':')), 1, Integer::sum);
    }
    return counts;
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("grpc-demo: timed out after 30 s waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
