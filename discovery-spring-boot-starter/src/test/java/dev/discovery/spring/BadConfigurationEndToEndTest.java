package dev.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.Await;
import dev.discovery.ServiceDiscovery;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.spring.registration.SelfRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;

/**
 * Real {@code SpringApplication}s with a bad property: start-up stops before any lifecycle starts (so before
 * the web server listens and before anything is registered), and Spring Boot's printed failure report, made by
 * the analyzer the starter registers in {@code META-INF/spring.factories}, names the property and the fix.
 * Also the HTTP check under a servlet context path, against the real application.
 */
@ExtendWith(OutputCaptureExtension.class)
class BadConfigurationEndToEndTest {
  /** Set when the first lifecycle phase starts: the web server's start comes later. */
  static final AtomicBoolean LIFECYCLE_STARTED = new AtomicBoolean();

  private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
  private ConsulTestAgent consul;

  /** A web application with a probe that notes when the context's lifecycle starts. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    SmartLifecycle firstPhaseProbe() {
      return new SmartLifecycle() {
        private volatile boolean running;

        @Override
        public void start() {
          LIFECYCLE_STARTED.set(true);
          running = true;
        }

        @Override
        public void stop() {
          running = false;
        }

        @Override
        public boolean isRunning() {
          return running;
        }

        @Override
        public int getPhase() {
          return Integer.MIN_VALUE;
        }
      };
    }
  }

  @BeforeEach
  void startConsul() {
    LIFECYCLE_STARTED.set(false);
    consul = ConsulTestAgent.builder().start();
  }

  @AfterEach
  void stopEverything() {
    apps.forEach(ConfigurableApplicationContext::close);
    consul.close();
  }

  private SpringApplicationBuilder app(WebApplicationType type, String... extra) {
    List<String> props = new ArrayList<>(List.of(
        "server.port=0",
        "server.address=127.0.0.1",
        "spring.application.name=shop",
        "spring.main.banner-mode=off",
        "discovery.consul.agents=" + consul.httpUri(),
        "discovery.consul.registration.address=127.0.0.1"));
    props.addAll(List.of(extra));
    return new SpringApplicationBuilder(App.class).web(type).properties(props.toArray(new String[0]));
  }

  private static void assertReport(CapturedOutput output, String property, String fix) {
    String out = output.getAll();
    assertThat(out).contains("APPLICATION FAILED TO START");
    assertThat(out).contains("Description:").contains(property + ": ");
    assertThat(out).contains("Action:").contains("Fix the property " + property + ": " + fix);
  }

  @Test
  void invalidDatacenterStopsTheApplicationBeforeItListens(CapturedOutput output) {
    assertThatThrownBy(() -> app(WebApplicationType.SERVLET, "discovery.consul.datacenter=dc 1").run())
        .hasStackTraceContaining("discovery.consul.datacenter");
    assertReport(output, "discovery.consul.datacenter", "give one word without spaces, such as dc1");
    assertThat(output.getAll()).doesNotContain("discovery.consul.agents:");
    assertThat(LIFECYCLE_STARTED).as("no lifecycle (and so no web server) started").isFalse();
  }

  @Test
  void badRegistrationMetaStopsTheApplicationBeforeItListensOrRegisters(CapturedOutput output) {
    assertThatThrownBy(() -> app(WebApplicationType.SERVLET, "discovery.consul.registration.meta.consul-owner=me")
        .run()).hasStackTraceContaining("discovery.consul.registration.meta.consul-owner");
    assertReport(output, "discovery.consul.registration.meta.consul-owner", "use a key of 1..128");
    assertThat(LIFECYCLE_STARTED).as("no lifecycle (and so no web server) started").isFalse();
    try (ConsulAgent agent = ConsulAgent.create(consul.httpUri())) {
      assertThat(agent.services()).isEmpty();
    }
  }

  @Test
  void missingApplicationNameStopsAWebApplicationBeforeItListens(CapturedOutput output) {
    assertThatThrownBy(() -> app(WebApplicationType.SERVLET, "spring.application.name=").run())
        .hasStackTraceContaining("spring.application.name");
    assertReport(output, "spring.application.name", "set spring.application.name");
    assertThat(LIFECYCLE_STARTED).isFalse();
  }

  @Test
  void lazyInitialisationStillStopsStartUpOnABadProperty(CapturedOutput output) {
    // Not a web application, so no registration bean would ask for the settings early either.
    assertThatThrownBy(() -> app(WebApplicationType.NONE, "spring.main.lazy-initialization=true",
        "discovery.consul.backend=dns", "discovery.consul.dns.server=127.0.0.1:8600",
        "discovery.consul.dns.refresh-interval=0s").run())
        .hasStackTraceContaining("discovery.consul.dns.refresh-interval");
    assertReport(output, "discovery.consul.dns.refresh-interval", "set it to how often DNS answers are asked again");
    assertThat(LIFECYCLE_STARTED).isFalse();
  }

  @Test
  void httpCheckUnderAServletContextPathPassesAgainstTheRealApplication() {
    ConfigurableApplicationContext app = app(WebApplicationType.SERVLET,
        "server.servlet.context-path=/shop",
        "discovery.consul.registration.check.type=http",
        "discovery.consul.registration.check.interval=1s",
        "management.endpoints.web.exposure.include=health").run();
    apps.add(app);
    int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    SelfRegistration self = app.getBean(SelfRegistration.class);
    Await.until("the application to be registered", Duration.ofSeconds(15), () -> self.registration() != null);
    assertThat(self.registration().service().checks().get(0).target())
        .isEqualTo("http://127.0.0.1:" + port + "/shop/actuator/health");
    // Consul (the testkit runs HTTP checks on loopback) calls that URL; only a passing check lists the instance.
    Await.until("the HTTP check to pass", Duration.ofSeconds(15), () ->
        app.getBean(ServiceDiscovery.class).instances("shop").stream().anyMatch(i -> i.port() == port));
  }
}
