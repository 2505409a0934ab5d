package dev.discovery.cache;

import static dev.discovery.cache.FakeBackend.instance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.LogCapture;
import dev.discovery.ServiceQuery;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** What an operator sees in the log when the registry goes away for a while and comes back. */
class OutageLoggingTest {
  private static final ServiceQuery WEB = ServiceQuery.of("web");

  @Test
  void anOutageIsOneWarnWithoutStackTraceAndRecoveryIsOneInfo() {
    FakeBackend backend = new FakeBackend(true);
    try (LogCapture log = new LogCapture();
         CachingDiscovery discovery = CachingDiscovery.builder(backend).build()) {
      dev.discovery.Await.until("the watch to start", () -> {
        discovery.instancesAsync(WEB);
        return !backend.listeners.isEmpty();
      });
      backend.push(List.of(instance("web", 1)));
      assertThat(discovery.instances(WEB)).containsExactly(instance("web", 1));

      for (int i = 0; i < 20; i++) { // twenty failed retries of one outage
        backend.pushError(new IOException("connection refused by 127.0.0.1:8500"));
        assertThat(discovery.instances(WEB)).as("the last good answer").containsExactly(instance("web", 1));
      }
      backend.push(List.of(instance("web", 1), instance("web", 2)));
      backend.push(List.of(instance("web", 1), instance("web", 2))); // and healthy answers after it

      List<LogRecord> warnings = log.at(Level.WARNING);
      List<LogRecord> infos = log.at(Level.INFO);
      assertThat(warnings).as("WARN lines in:\n%s", log.describe()).hasSize(1);
      assertThat(infos).as("INFO lines in:\n%s", log.describe()).hasSize(1);
      LogRecord warn = warnings.get(0);
      assertThat(warn.getThrown()).as("a stack trace").isNull();
      assertThat(format(warn)).contains("'web'", "fake-backend", "connection refused", "last good answer");
      assertThat(format(infos.get(0))).contains("'web'", "answers again", "20 failed");
    }
  }

  @Test
  void aSecondOutageIsASecondWarn() {
    FakeBackend backend = new FakeBackend(false);
    try (LogCapture log = new LogCapture();
         CachingDiscovery discovery = CachingDiscovery.builder(backend)
             .refreshInterval(Duration.ofMillis(5)).errorBackoff(Duration.ofMillis(1)).build()) {
      discovery.instances(WEB);
      for (int outage = 1; outage <= 2; outage++) {
        backend.fail(new IOException("agent down"));
        int before = backend.fetches.get();
        dev.discovery.Await.until("several failed refreshes", () -> backend.fetches.get() >= before + 3);
        backend.answer(List.of(instance("web", 1)));
        int expected = outage;
        dev.discovery.Await.until("recovery " + expected, () -> log.at(Level.INFO).size() == expected);
      }
      assertThat(log.at(Level.WARNING)).as("WARN lines in:\n%s", log.describe()).hasSize(2);
      assertThat(log.at(Level.INFO)).hasSize(2);
    }
  }

  private static String format(LogRecord r) {
    return new java.util.logging.SimpleFormatter().formatMessage(r);
  }
}
