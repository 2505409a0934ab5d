package dev.discovery.cache;

import static dev.discovery.cache.FakeBackend.instance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.FakeScheduler;
import dev.discovery.FakeTicker;
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
    FakeTicker clock = new FakeTicker();
    FakeScheduler time = new FakeScheduler(clock);
    try (LogCapture log = new LogCapture();
         CachingDiscovery discovery = CachingDiscovery.builder(backend).ticker(clock).scheduler(time)
             .refreshInterval(Duration.ofSeconds(5)).errorBackoff(Duration.ofMillis(500)).build()) {
      discovery.instances(WEB);
      for (int outage = 1; outage <= 2; outage++) {
        backend.fail(new IOException("agent down"));
        int before = backend.fetches.get();
        time.advance(Duration.ofSeconds(15)); // the interval refresh and its retries, all failing
        assertThat(backend.fetches.get()).as("failed refreshes").isGreaterThanOrEqualTo(before + 4);
        backend.answer(List.of(instance("web", 1)));
        time.advance(Duration.ofSeconds(5)); // the longest retry delay
        assertThat(log.at(Level.INFO)).as("recoveries in:\n%s", log.describe()).hasSize(outage);
      }
      assertThat(log.at(Level.WARNING)).as("WARN lines in:\n%s", log.describe()).hasSize(2);
      assertThat(log.at(Level.INFO)).hasSize(2);
    }
  }

  private static String format(LogRecord r) {
    return new java.util.logging.SimpleFormatter().formatMessage(r);
  }
}
