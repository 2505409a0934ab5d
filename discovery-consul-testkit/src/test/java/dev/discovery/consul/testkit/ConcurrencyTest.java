package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
  @Test
  void manyConcurrentBlockingQueriesAreHeldAndEachWakesOnItsOwnServiceOnly() throws Exception {
    int services = 60;
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start()) {
      for (int i = 0; i < services; i++) {
        agent.registerService("{\"Name\":\"s" + i + "\",\"Check\":{\"TTL\":\"5m\",\"Status\":\"passing\"}}");
      }
      List<Long> indexes = new ArrayList<>();
      for (int i = 0; i < services; i++) {
        indexes.add(Http.get(agent, "/v1/health/service/s" + i).index());
      }
      List<CompletableFuture<Http.Response>> blocked = new ArrayList<>();
      for (int i = 0; i < services; i++) {
        blocked.add(Http.getAsync(agent, "/v1/health/service/s" + i + "?index=" + indexes.get(i) + "&wait=2m"));
      }
      Await.until("all blocking queries to arrive", Duration.ofSeconds(20), () -> {
        for (int i = 0; i < services; i++) {
          if (agent.requestCount("/v1/health/service/s" + i) < 2) {
            return false;
          }
        }
        return true;
      });
      agent.setServiceHealth("s7", "critical");
      Http.Response woken = blocked.get(7).get(10, TimeUnit.SECONDS);
      assertThat(woken.index()).isGreaterThan(indexes.get(7));
      for (int i = 0; i < services; i++) {
        if (i != 7) {
          assertThat(blocked.get(i)).as("s" + i + " has not changed").isNotDone();
        }
      }
      for (int i = 0; i < services; i++) {
        agent.setServiceHealth("s" + i, "warning");
      }
      for (int i = 0; i < services; i++) {
        assertThat(blocked.get(i).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    }
  }
}
