package dev.discovery.consul.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import dev.discovery.ServiceQuery;
import dev.discovery.cache.CachingDiscovery;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.Registration;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs registrations, lookups, refused tokens, server errors and an agent restart with every logger at ALL
 * (slf4j's TRACE), and checks that the ACL token appears in no captured log line, parameter or exception.
 */
class TokenNeverLoggedIntegrationTest {
  private static final String TOKEN = "0f6c1a7e-77aa-4d2b-b1f3-topsecret";
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Map<Logger, Level> previous = new HashMap<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private ConsulUnderTest consul;

  @BeforeEach
  void captureEverything() {
    capture.setLevel(Level.ALL);
    for (String name : List.of("", "dev.discovery", "okhttp3")) {
      Logger logger = Logger.getLogger(name);
      previous.put(logger, logger.getLevel());
      logger.setLevel(Level.ALL);
    }
    Logger.getLogger("").addHandler(capture);
    consul = ConsulUnderTest.start(TOKEN);
  }

  @AfterEach
  void restore() {
    consul.close();
    Logger.getLogger("").removeHandler(capture);
    previous.forEach(Logger::setLevel);
  }

  @Test
  void theTokenAppearsInNoLogLine() throws Exception {
    String token = consul.token().orElse(TOKEN);
    String name = ConsulUnderTest.uniqueName("secret");
    List<Throwable> thrown = new ArrayList<>();
    try (ConsulAgent agent = consul.agent();
         CachingDiscovery discovery = ConsulDiscovery.http().environment(ConsulEnvironment.none())
             .agents(consul.httpUri()).token(token).errorBackoff(Duration.ofMillis(20), Duration.ofMillis(50))
             .build()) {
      Registration reg = agent.register(ServiceRegistration.builder(name).id(name + "-1").address("10.0.0.5")
          .port(8080).check(CheckDefinition.ttl(Duration.ofMillis(600))).build());
      Await.until("the instance", () -> discovery.instances(ServiceQuery.of(name)).size() == 1);
      thrown.add(catching(() -> agent.deregisterService(name + "-missing")));

      if (!consul.real()) {
        ConsulTestAgent kit = consul.testkit();
        long before = kit.requestCount("/v1/health/service/" + name);
        // Faults hit whatever comes next: the blocking query's next rounds and heartbeats alike.
        kit.failNext(3, 500, "No cluster leader");
        kit.failNext(2, 403, "Permission denied: token lacks permission 'service:read'");
        kit.setServiceHealth(name + "-1", "critical"); // wakes the blocking query
        Await.until("requests through the faults",
            () -> kit.requestCount("/v1/health/service/" + name) >= before + 3);
        kit.restart(); // heartbeats find the service forgotten and re-register it
        Await.until("re-registration", () -> agent.services().stream().anyMatch(s -> s.id().equals(name + "-1")));
      }
      reg.close();
    }
    // A wrong token: refused, and the refusal names no token either.
    try (CachingDiscovery wrong = ConsulDiscovery.http().environment(ConsulEnvironment.none())
        .agents(consul.httpUri()).token(token + "-wrong").cache(c -> c.loadTimeout(Duration.ofSeconds(5))).build()) {
      thrown.add(catching(() -> wrong.instances(ServiceQuery.of(name))));
    }

    assertThat(records).as("log records were captured").isNotEmpty();
    assertThat(records).as("TRACE/FINEST lines of this library were captured")
        .anyMatch(r -> r.getLoggerName().startsWith("dev.discovery.consul") && r.getLevel().intValue() <= Level.FINEST.intValue());
    SimpleFormatter formatter = new SimpleFormatter();
    for (LogRecord r : records) {
      String line = formatter.format(r);
      assertThat(line).as("log line from %s", r.getLoggerName()).doesNotContain(token);
      if (r.getParameters() != null) {
        for (Object p : r.getParameters()) {
          assertThat(String.valueOf(p)).doesNotContain(token);
        }
      }
    }
    for (Throwable t : thrown) {
      assertThat(t).as("an exception was thrown").isNotNull();
      for (Throwable c = t; c != null; c = c.getCause()) {
        assertThat(String.valueOf(c)).doesNotContain(token);
      }
    }
  }

  private static Throwable catching(Runnable r) {
    try {
      r.run();
      return null;
    } catch (RuntimeException e) {
      if (e instanceof ConsulAgentException || e instanceof dev.discovery.DiscoveryException) {
        return e;
      }
      throw e;
    }
  }
}
