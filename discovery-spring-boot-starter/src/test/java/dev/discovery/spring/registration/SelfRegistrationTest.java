package dev.discovery.spring.registration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spring.DiscoveryConsulProperties;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The lifecycle on its own: no port, no registration; an agent that is down at start-up is retried. */
class SelfRegistrationTest {
  private static RegistrationFactory factory(MockEnvironment env) {
    DiscoveryConsulProperties.Registration props = new DiscoveryConsulProperties().getRegistration();
    props.setAddress("127.0.0.1");
    return new RegistrationFactory(props, env, () -> "127.0.0.1");
  }

  @Test
  void withoutAWebServerPortNothingIsRegistered() {
    try (ConsulAgent agent = ConsulAgent.create(URI.create("http://127.0.0.1:1"))) {
      SelfRegistration self = new SelfRegistration(agent, factory(new MockEnvironment()
          .withProperty("spring.application.name", "web")), Duration.ofSeconds(1));
      self.start();
      assertThat(self.isRunning()).isFalse();
      assertThat(self.registration()).isNull();
      self.stop();
    }
  }

  @Test
  void agentDownAtStartUpIsRetriedUntilItAnswers() throws Exception {
    ConsulTestAgent first = ConsulTestAgent.builder().start();
    int port = first.httpPort();
    URI uri = first.httpUri();
    first.close(); // the agent is down when the application starts
    MockEnvironment env = new MockEnvironment().withProperty("spring.application.name", "web")
        .withProperty("local.server.port", "8080");
    try (ConsulAgent agent = ConsulAgent.create(uri)) {
      SelfRegistration self = new SelfRegistration(agent, factory(env), Duration.ofMillis(50));
      self.start();
      assertThat(self.isRunning()).isTrue();
      assertThat(self.registration()).isNull();
      try (ConsulTestAgent consul = ConsulTestAgent.builder().httpPort(port).start()) {
        Await.until("registered once the agent answers", Duration.ofSeconds(15), () -> self.registration() != null);
        assertThat(agent.services()).extracting(s -> s.name()).containsExactly("web");
        self.stop();
        assertThat(agent.services()).isEmpty();
        assertThat(self.isRunning()).isFalse();
      }
    }
  }
}
