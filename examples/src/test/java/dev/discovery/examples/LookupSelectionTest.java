package dev.discovery.examples;

import static dev.discovery.examples.LookupCommandTest.lookup;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.examples.LookupCommandTest.Run;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lookup tool's per-query selection flags against the testkit: what each selects, and bad values. */
class LookupSelectionTest {
  static ConsulTestAgent consul;

  @BeforeAll
  static void startConsul() throws Exception {
    consul = ConsulTestAgent.builder().runChecks(false).start();
    node("n-a", "10.0.0.1", "a", "w1", "\"blue\"", "\"version\":\"1\"");
    node("n-b", "10.0.0.2", "b", "w2", "\"green\"", "\"version\":\"2\"");
    node("n-c", "10.0.0.3", "a", "w3", "\"red\"", "\"version\":\"2\"");
    consul.setNodeCoordinate("n-a", Duration.ofMillis(50));
    consul.setNodeCoordinate("n-b", Duration.ofMillis(1));
    consul.setNodeCoordinate("n-c", Duration.ofMillis(20));
  }

  /** A node with {@code zone} metadata and one instance of "web" (the catalog endpoint sets node meta). */
  private static void node(String node, String address, String zone, String id, String tags, String meta)
      throws Exception {
    String body = "{\"Node\":\"" + node + "\",\"Address\":\"" + address + "\",\"NodeMeta\":{\"zone\":\"" + zone
        + "\"},\"Service\":{\"Service\":\"web\",\"ID\":\"" + id + "\",\"Port\":8080,\"Tags\":[" + tags
        + "],\"Meta\":{" + meta + "}}}";
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(consul.httpUri() + "/v1/catalog/register")).timeout(Duration.ofSeconds(10))
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @AfterAll
  static void stopConsul() {
    consul.close();
  }

  private static String http() {
    return "--consul=" + consul.httpUri();
  }

  private static List<String> hosts(Run run) {
    assertThat(run.exit()).as(run.err()).isZero();
    return run.out().lines().map(l -> l.split(":")[0]).toList();
  }

  @Test
  void eachFlagSelects() {
    assertThat(hosts(lookup("web", http(), "--meta=version=2"))).containsExactly("10.0.0.2", "10.0.0.3");
    assertThat(hosts(lookup("web", http(), "--meta=version=2", "--node-meta=zone=a"))).containsExactly("10.0.0.3");
    assertThat(hosts(lookup("web", http(), "--any-tag=blue,green"))).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(hosts(lookup("web", http(), "--any-tag=blue", "--any-tag=red"))).containsExactly("10.0.0.1",
        "10.0.0.3");
    assertThat(hosts(lookup("web", http(), "--filter=Service.Port == 8080 and \"red\" in Service.Tags")))
        .containsExactly("10.0.0.3");
  }

  @Test
  void nearPrintsTheNearestFirst() {
    assertThat(hosts(lookup("web", http(), "--near=n-c"))).containsExactly("10.0.0.3", "10.0.0.2", "10.0.0.1");
    assertThat(hosts(lookup("web", http(), "--near=n-b", "--meta=version=2"))).containsExactly("10.0.0.2",
        "10.0.0.3");
  }

  @Test
  void anyTagWorksOverDnsAndTheOthersAreAUsageErrorThere() {
    String dns = "--dns=127.0.0.1:" + consul.dnsAddress().getPort();
    assertThat(hosts(lookup("web", dns, "--any-tag=blue,green"))).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
    for (String flag : List.of("--filter=Service.Port == 1", "--meta=version=2", "--node-meta=zone=a", "--near=n-a")) {
      Run run = lookup("web", dns, flag);
      assertThat(run.exit()).as(flag).isEqualTo(2);
      assertThat(run.err()).contains(flag.substring(0, flag.indexOf('=')) + " does not apply to --dns")
          .contains("--consul=URL");
    }
  }

  @Test
  void badValuesNameTheFlag() {
    assertUsage(lookup("web", http(), "--meta=version"), "--meta must be KEY=VALUE");
    assertUsage(lookup("web", http(), "--meta=bad key=1"), "--meta: ");
    assertUsage(lookup("web", http(), "--node-meta==a"), "--node-meta must be KEY=VALUE");
    assertUsage(lookup("web", http(), "--any-tag=a,,b"), "--any-tag: ");
    assertUsage(lookup("web", http(), "--filter= "), "--filter: ");
    assertUsage(lookup("web", http(), "--near=a b"), "--near: ");
  }

  @Test
  void aFilterConsulRejectsSaysSoWithTheExpressionAndConsulsText() {
    Run run = lookup("web", http(), "--filter=Service.Meta.version = 2");
    assertThat(run.exit()).isEqualTo(LookupCommand.UNAVAILABLE);
    assertThat(run.err()).contains("rejected the query for service 'web'")
        .contains("Service.Meta.version = 2").contains("Failed to create boolean expression evaluator")
        .hasLineCount(1);
  }

  @Test
  void noInstanceNamesTheSelection() {
    Run run = lookup("web", http(), "--meta=version=9");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("--meta=version=9");
  }

  private static void assertUsage(Run run, String message) {
    assertThat(run.exit()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains(message);
  }
}
