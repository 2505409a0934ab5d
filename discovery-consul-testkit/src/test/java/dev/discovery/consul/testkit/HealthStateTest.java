package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /v1/health/state/:state} and the table indexes behind it and {@code /v1/catalog/services}, as Consul's
 * state store keeps them: the checks table's index moves with every check write and every service deregistration,
 * the services table's with every service write, and neither with a write to the other table.
 */
class HealthStateTest {
  @RegisterExtension
  final ConsulTestAgentExtension consul = new ConsulTestAgentExtension(() -> ConsulTestAgent.builder().runChecks(false));

  private void register(String json) {
    Http.Response r = Http.put(consul.agent(), "/v1/agent/service/register", json);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private static List<String> checkIds(Http.Response r) {
    List<String> ids = new ArrayList<>();
    for (JsonNode c : r.json()) {
      ids.add(c.path("CheckID").asText() + "/" + c.path("ServiceName").asText());
    }
    return ids;
  }

  @Test
  void anyListsEveryCheckNodeLevelIncludedAndAStateOnlyItsOwn() {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"CheckID\":\"c1\",\"TTL\":\"30s\",\"Status\":\"passing\"}}");
    register("{\"Name\":\"db\",\"ID\":\"db1\",\"Check\":{\"CheckID\":\"c2\",\"TTL\":\"30s\"}}");

    Http.Response any = Http.get(consul.agent(), "/v1/health/state/any");
    assertThat(any.status()).isEqualTo(200);
    assertThat(checkIds(any)).containsExactlyInAnyOrder("serfHealth/", "c1/web", "c2/db");
    assertThat(any.json().get(0).has("ModifyIndex")).isTrue();
    assertThat(checkIds(Http.get(consul.agent(), "/v1/health/state/critical"))).containsExactly("c2/db");
    assertThat(Http.get(consul.agent(), "/v1/health/state/unknown").body()).isEqualTo("[]");
    Http.Response empty = Http.get(consul.agent(), "/v1/health/state/");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body()).isEqualTo("Missing check state");
  }

  @Test
  void theChecksIndexMovesWithChecksAndDeregistrationsButNotWithACheckLessRegistration() {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"CheckID\":\"c1\",\"TTL\":\"30s\"}}");
    long checks = Http.get(consul.agent(), "/v1/health/state/any").index();
    long services = Http.get(consul.agent(), "/v1/catalog/services").index();

    register("{\"Name\":\"plain\",\"ID\":\"plain1\"}"); // services table only
    assertThat(Http.get(consul.agent(), "/v1/health/state/any").index()).isEqualTo(checks);
    long servicesAfter = Http.get(consul.agent(), "/v1/catalog/services").index();
    assertThat(servicesAfter).isGreaterThan(services);

    consul.agent().setCheckStatus("c1", "passing", "ok"); // checks table only
    long checksAfter = Http.get(consul.agent(), "/v1/health/state/any").index();
    assertThat(checksAfter).isGreaterThan(checks);
    assertThat(Http.get(consul.agent(), "/v1/catalog/services").index()).isEqualTo(servicesAfter);

    consul.agent().deregisterService(consul.agent().nodeName(), "plain1"); // deleteServiceTxn: both
    assertThat(Http.get(consul.agent(), "/v1/health/state/any").index()).isGreaterThan(checksAfter);
    assertThat(Http.get(consul.agent(), "/v1/catalog/services").index()).isGreaterThan(servicesAfter);
  }

  @Test
  void aBlockingReadWaitsForACheckWrite() throws Exception {
    register("{\"Name\":\"web\",\"ID\":\"web1\",\"Check\":{\"CheckID\":\"c1\",\"TTL\":\"30s\"}}");
    long index = Http.get(consul.agent(), "/v1/health/state/any").index();
    CompletableFuture<Http.Response> parked =
        Http.getAsync(consul.agent(), "/v1/health/state/any?index=" + index + "&wait=30s");
    register("{\"Name\":\"plain\",\"ID\":\"plain1\"}"); // no check: must not wake it
    consul.agent().setCheckStatus("c1", "warning", "slow");
    Http.Response r = parked.get(20, TimeUnit.SECONDS);
    assertThat(r.index()).isGreaterThan(index);
    assertThat(r.body()).contains("\"Status\":\"warning\"");
  }
}
