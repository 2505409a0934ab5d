package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.discovery.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HealthEndpointTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension();

  private void register(String json) {
    Http.Response r = Http.put(consul.agent(), "/v1/agent/service/register", json);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private static List<String> ids(Http.Response r) {
    List<String> ids = new ArrayList<>();
    for (JsonNode e : r.json()) {
      ids.add(e.path("Service").path("ID").asText());
    }
    return ids;
  }

  @Test
  void unknownServiceIsAnEmptyArrayWithAPositiveIndexAndConsulHeaders() {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/nope");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("[]");
    assertThat(r.index()).isPositive();
    assertThat(r.header("X-Consul-KnownLeader")).isEqualTo("true");
    assertThat(r.header("X-Consul-LastContact")).isEqualTo("0");
    assertThat(r.header("X-Consul-Default-ACL-Policy")).isEqualTo("allow");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
  }

  @Test
  void passingFiltersOutWarningAndCriticalButDefaultReturnsAll() {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Port\":80,\"Check\":{\"TTL\":\"30s\",\"Status\":\"passing\"}}");
    register("{\"Name\":\"web\",\"ID\":\"web2\",\"Port\":81,\"Check\":{\"TTL\":\"30s\",\"Status\":\"warning\"}}");
    register("{\"Name\":\"web\",\"ID\":\"web3\",\"Port\":82,\"Check\":{\"TTL\":\"30s\"}}");

    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/web"))).containsExactly("web1", "web2", "web3");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/web?passing"))).containsExactly("web1");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/web?passing=1"))).containsExactly("web1");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/web?passing=false"))).hasSize(3);
    Http.Response bad = Http.get(consul.agent(), "/v1/health/service/web?passing=yes");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).isEqualTo("Invalid value for ?passing");
  }

  @Test
  void tagsAreAndedAndCaseInsensitive() {
    register("{\"Name\":\"db\",\"ID\":\"db1\",\"Tags\":[\"Primary\",\"v1\"]}");
    register("{\"Name\":\"db\",\"ID\":\"db2\",\"Tags\":[\"secondary\",\"v1\"]}");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/db?tag=primary"))).containsExactly("db1");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/db?tag=V1"))).containsExactly("db1", "db2");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/db?tag=v1&tag=secondary")))
        .containsExactly("db2");
    assertThat(ids(Http.get(consul.agent(), "/v1/health/service/db?tag=primary&tag=secondary"))).isEmpty();
  }

  @Test
  void unknownDatacenterIs500NoPathToDatacenter() {
    Http.Response r = Http.get(consul.agent(), "/v1/health/service/web?dc=dc9");
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("No path to datacenter");
    assertThat(Http.get(consul.agent(), "/v1/health/service/web?dc=dc1").status()).isEqualTo(200);
  }

  @Test
  void blockingQueryReturnsWhenHealthChanges() throws Exception {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"TTL\":\"30s\",\"Status\":\"passing\"}}");
    Http.Response first = Http.get(consul.agent(), "/v1/health/service/web");
    long index = first.index();
    CompletableFuture<Http.Response> blocked =
        Http.getAsync(consul.agent(), "/v1/health/service/web?index=" + index + "&wait=5m");
    Await.until("the blocking query to arrive", Duration.ofSeconds(10),
        () -> consul.agent().requestCount("/v1/health/service/web") == 2);
    assertThat(blocked).isNotDone();
    Http.Response fail = Http.put(consul.agent(), "/v1/agent/check/fail/service:web1?note=down", "");
    assertThat(fail.status()).isEqualTo(200);
    Http.Response changed = blocked.get(10, TimeUnit.SECONDS);
    assertThat(changed.index()).isGreaterThan(index);
    assertThat(changed.json().get(0).path("Checks").findValuesAsText("Status")).contains("critical");
  }

  @Test
  void blockingQueryTimesOutWithTheSameIndex() {
    register("{\"Name\":\"web\",\"ID\":\"web1\"}");
    long index = Http.get(consul.agent(), "/v1/health/service/web").index();
    Http.Response same = Http.get(consul.agent(), "/v1/health/service/web?index=" + index + "&wait=100ms");
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.index()).isEqualTo(index);
  }
}
