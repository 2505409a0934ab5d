package dev.discovery.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.consul.AgentCheck;
import dev.discovery.consul.AgentService;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.testkit.ConsulTestAgent;
import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrpcServerRegistrationTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @Test
  void registersTheServersPortAndDeregistersWhenTheServerTerminates() throws Exception {
    try (ConsulTestAgent kit = ConsulTestAgent.builder().start();
        ConsulAgent agent = ConsulAgent.create(kit.httpUri())) {
      EchoServer echo = EchoServer.start("echo-1");
      GrpcServerRegistration registration = GrpcServerRegistration.register(agent, echo.server,
          ServiceRegistration.builder("echo").id("echo-1").address("127.0.0.1").tags("v1").build());
      assertThat(registration.service().port()).isEqualTo(echo.port());
      AgentService registered = agent.services().get(0);
      assertThat(registered.id()).isEqualTo("echo-1");
      assertThat(registered.port()).isEqualTo(echo.port());
      assertThat(agent.checks()).extracting(AgentCheck::status).containsExactly("passing");

      echo.server.shutdown(); // not through the registration: it notices the termination itself
      Await.until("the service to be deregistered", BOUND, () -> agent.services().isEmpty());
      registration.close(); // idempotent
      echo.close();
    }
  }

  @Test
  void aGrpcCheckInTheTemplateReplacesTheDefaultTtlCheck() throws Exception {
    try (ConsulTestAgent kit = ConsulTestAgent.builder().start();
        ConsulAgent agent = ConsulAgent.create(kit.httpUri())) {
      EchoServer echo = EchoServer.start("echo-1");
      try (GrpcServerRegistration registration = GrpcServerRegistration.register(agent, echo.server,
          ServiceRegistration.builder("echo").id("echo-1")
              .check(CheckDefinition.grpc("127.0.0.1:" + echo.port(), Duration.ofSeconds(5))).build())) {
        assertThat(registration.service().checks()).extracting(CheckDefinition::kind)
            .containsExactly(CheckDefinition.Kind.GRPC);
        // The testkit stores gRPC checks but never runs them: critical, as Consul starts every check.
        assertThat(agent.checks()).extracting(AgentCheck::status).containsExactly("critical");
      } finally {
        echo.close();
      }
      assertThat(agent.services()).isEmpty();
    }
  }

  @Test
  void refusesServersItCannotRegister() throws Exception {
    try (ConsulAgent agent = ConsulAgent.create(java.net.URI.create("http://127.0.0.1:1"))) {
      ServiceRegistration template = ServiceRegistration.builder("echo").build();
      Server notStarted = InProcessServerBuilder.forName("not-started").build();
      assertThatThrownBy(() -> GrpcServerRegistration.register(agent, notStarted, template))
          .hasMessageContaining("not started");
      Server inProcess = InProcessServerBuilder.forName("in-process").build().start();
      try {
        assertThatThrownBy(() -> GrpcServerRegistration.register(agent, inProcess, template))
            .hasMessageContaining("no TCP port");
      } finally {
        inProcess.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      EchoServer echo = EchoServer.start("echo-1");
      try {
        assertThatThrownBy(() -> GrpcServerRegistration.register(agent, echo.server,
            ServiceRegistration.builder("echo").port(echo.port() == 1 ? 2 : 1).build()))
            .hasMessageContaining("leave the port out");
      } finally {
        echo.close();
      }
    }
  }
}
