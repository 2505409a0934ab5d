package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.ConsulDiscovery;
import dev.discovery.consul.ConsulEnvironment;
import java.net.URI;
import java.time.Duration;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class HealthRequestsTest {
  private static final HttpUrl AGENT = HttpUrl.get("http://127.0.0.1:8500/");

  private static HttpOptions options(ConsulHttpBuilder b) {
    return HttpOptions.from(b.environment(ConsulEnvironment.none()));
  }

  @Test
  void plansTheDocumentedParameters() {
    HttpOptions o = options(ConsulDiscovery.http().datacenter("dc1").filter("Service.Meta.v == \"2\"")
        .nodeMeta("rack", "r1").nodeMeta("az", "a").near("_agent").stale(true).cached(true));
    HttpUrl url = HealthRequests.url(AGENT, ServiceQuery.of("web").withTags("v2", "blue"), o, 0);
    assertThat(url.encodedPath()).isEqualTo("/v1/health/service/web");
    assertThat(url.queryParameterValues("tag")).containsExactly("blue", "v2");
    assertThat(url.queryParameter("dc")).isEqualTo("dc1");
    assertThat(url.queryParameterNames()).contains("passing", "stale", "cached");
    assertThat(url.queryParameter("passing")).isNull(); // presence only
    assertThat(url.queryParameter("filter")).isEqualTo("Service.Meta.v == \"2\"");
    assertThat(url.queryParameterValues("node-meta")).containsExactly("az:a", "rack:r1");
    assertThat(url.queryParameter("near")).isEqualTo("_agent");
    assertThat(url.queryParameterNames()).doesNotContain("index", "wait", "token");
  }

  @Test
  void perQuerySelectionCombinesWithTheClientWideOptions() {
    HttpOptions o = options(ConsulDiscovery.http().filter("Service.Port == 80").nodeMeta("rack", "r1")
        .nodeMeta("az", "a").near("_agent"));
    ServiceQuery q = ServiceQuery.of("web").withServiceMeta("version", "2").withAnyTag("blue")
        .withNodeMeta("az", "b").withNodeMeta("os", "linux").near("node-7");
    HttpUrl url = HealthRequests.url(AGENT, q, o, 0);
    assertThat(url.queryParameter("filter"))
        .isEqualTo("(Service.Port == 80) and (Service.Meta.version == \"2\") and (\"blue\" in Service.Tags)");
    assertThat(url.queryParameterValues("node-meta")).as("added to the client's; the query's value wins a key")
        .containsExactly("az:b", "os:linux", "rack:r1");
    assertThat(url.queryParameter("near")).as("the query's near overrides the client's").isEqualTo("node-7");
    assertThat(HealthRequests.url(AGENT, ServiceQuery.of("web"), o, 0).queryParameter("near")).isEqualTo("_agent");
  }

  @Test
  void passingOrWarningSendsNoPassingAndTheQueryDatacenterWins() {
    HttpOptions o = options(ConsulDiscovery.http().datacenter("dc1"));
    ServiceQuery q = ServiceQuery.of("web").inDatacenter("dc2").withHealth(HealthFilter.PASSING_OR_WARNING);
    HttpUrl url = HealthRequests.url(AGENT, q, o, 42);
    assertThat(url.queryParameterNames()).doesNotContain("passing");
    assertThat(url.queryParameter("dc")).isEqualTo("dc2");
    assertThat(url.queryParameter("index")).isEqualTo("42");
    assertThat(url.queryParameter("wait")).isEqualTo("300000ms");
  }

  @Test
  void keepsAnAgentPathPrefix() {
    HttpUrl url = HealthRequests.url(HttpUrl.get("https://proxy.example/consul/"), ServiceQuery.of("web"),
        options(ConsulDiscovery.http()), 0);
    assertThat(url.encodedPath()).isEqualTo("/consul/v1/health/service/web");
  }

  @Test
  void blockingTimeoutExceedsWaitPlusJitter() {
    Duration wait = Duration.ofMinutes(5);
    Duration t = HealthRequests.blockingTimeout(wait, Duration.ofSeconds(15));
    assertThat(t).isGreaterThan(wait.plus(wait.dividedBy(16)));
  }

  @Test
  void backoffIsBoundedAndGrows() {
    Backoff low = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), bound -> 0);
    Backoff high = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), bound -> bound);
    assertThat(low.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(high.delay(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(high.delay(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(low.delay(3)).isEqualTo(Duration.ofSeconds(2));
    assertThat(high.delay(50)).isEqualTo(Duration.ofSeconds(30));
    assertThat(low.delay(50)).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void environmentDefaults() {
    ConsulEnvironment env = ConsulEnvironment.of(java.util.Map.of("CONSUL_HTTP_ADDR", "consul.local:8501",
        "CONSUL_HTTP_SSL", "true", "CONSUL_HTTP_TOKEN", "t0k"));
    HttpOptions o = HttpOptions.from(ConsulDiscovery.http().environment(env));
    assertThat(o.agents).containsExactly(URI.create("https://consul.local:8501"));
    assertThat(tokenSent(o)).isEqualTo("t0k");
    assertThat(o.toString()).doesNotContain("t0k");
    HttpOptions none = HttpOptions.from(ConsulDiscovery.http().environment(ConsulEnvironment.none()));
    assertThat(none.agents).containsExactly(URI.create("http://127.0.0.1:8500"));
    assertThat(tokenSent(none)).isNull();
    HttpOptions explicit = HttpOptions.from(ConsulDiscovery.http().environment(env).token("mine")
        .agents(URI.create("http://10.0.0.1:8500"), URI.create("http://10.0.0.2:8500")));
    assertThat(tokenSent(explicit)).isEqualTo("mine");
    assertThat(explicit.describe()).isEqualTo("consul-http http://10.0.0.1:8500,http://10.0.0.2:8500");
  }

  private static String tokenSent(HttpOptions o) {
    return o.credentials.authorize(new okhttp3.Request.Builder().url("http://127.0.0.1:8500/")).build()
        .header("X-Consul-Token");
  }
}
