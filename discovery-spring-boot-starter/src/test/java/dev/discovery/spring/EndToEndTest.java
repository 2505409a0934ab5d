package dev.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.Await;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.Subscription;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.consul.AgentService;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import dev.discovery.micrometer.MicrometerObserver;
import dev.discovery.spring.cloud.ConsulDiscoveryClient;
import dev.discovery.spring.cloud.ConsulReactiveDiscoveryClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Real Spring Boot applications on ephemeral loopback ports against an in-process Consul agent
 * ({@link ConsulTestAgent}) and real backend HTTP servers: load-balanced calls, deregistration, an agent
 * that goes away, ejection, self-registration and the health endpoint.
 */
@ExtendWith(OutputCaptureExtension.class)
class EndToEndTest {
  private static final Duration AWAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<TestBackend> backends = new ArrayList<>();
  private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
  private ConsulTestAgent consul;

  /** The frontend: a web application with every kind of load-balanced client. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class Frontend {
    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedRestClient() {
      return RestClient.builder();
    }

    @Bean
    @LoadBalanced
    RestTemplate loadBalancedRestTemplate() {
      return new RestTemplate();
    }

    @Bean
    @LoadBalanced
    WebClient.Builder loadBalancedWebClient() {
      return WebClient.builder();
    }
  }

  @BeforeEach
  void startConsul() {
    consul = ConsulTestAgent.builder().start();
  }

  @AfterEach
  void stopEverything() {
    apps.forEach(ConfigurableApplicationContext::close);
    backends.forEach(TestBackend::close);
    consul.close();
  }

  private void backends(int count) throws Exception {
    for (int i = 1; i <= count; i++) {
      TestBackend b = new TestBackend("backend-" + i);
      backends.add(b);
      b.registerWith(consul, "backend");
    }
  }

  private ConfigurableApplicationContext frontend(String... extra) {
    List<String> props = new ArrayList<>(List.of(
        "server.port=0",
        "server.address=127.0.0.1",
        "spring.application.name=frontend",
        "spring.main.banner-mode=off",
        "discovery.consul.agents=" + consul.httpUri(),
        "discovery.consul.registration.address=127.0.0.1",
        "discovery.consul.registration.check.ttl=3s",
        "discovery.consul.selector.failures-to-eject=3",
        "management.endpoints.web.exposure.include=health",
        "management.endpoint.health.show-details=always"));
    props.addAll(List.of(extra));
    ConfigurableApplicationContext app = new SpringApplicationBuilder(Frontend.class)
        .properties(props.toArray(new String[0])).run();
    apps.add(app);
    return app;
  }

  private static RestClient restClient(ConfigurableApplicationContext app) {
    return app.getBean(RestClient.Builder.class).build();
  }

  private static String call(RestClient client) {
    return client.get().uri("http://backend/id").retrieve().body(String.class);
  }

  private static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  private HttpResponse<String> health(ConfigurableApplicationContext app) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app)
        + "/actuator/health/discoveryConsul")).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, AWAIT, condition);
  }

  @Test
  void loadBalancedCallsFollowConsulSurviveItsLossAndAvoidAFailingInstance() throws Exception {
    backends(4);
    ConfigurableApplicationContext app = frontend("discovery.consul.registration.enabled=false");
    RestClient client = restClient(app);
    Set<String> reached = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      reached.add(call(client));
    }
    assertThat(reached).containsExactlyInAnyOrder("backend-1", "backend-2", "backend-3", "backend-4");

    RestTemplate template = app.getBean(RestTemplate.class);
    WebClient webClient = app.getBean(WebClient.Builder.class).build();
    Set<String> viaTemplate = new HashSet<>();
    Set<String> viaWebClient = new HashSet<>();
    // Separate loops: the clients share one round robin, so interleaved they would split the instances.
    for (int i = 0; i < 8; i++) {
      viaTemplate.add(template.getForObject("http://backend/id", String.class));
    }
    for (int i = 0; i < 8; i++) {
      viaWebClient.add(webClient.get().uri("http://backend/id").retrieve().bodyToMono(String.class)
          .block(Duration.ofSeconds(10)));
    }
    assertThat(viaTemplate).hasSize(4);
    assertThat(viaWebClient).hasSize(4);

    // Spring Cloud's discovery clients read the same cache; getServices comes from the catalog.
    assertThat(app.getBean(ConsulDiscoveryClient.class).getInstances("backend")).hasSize(4);
    assertThat(app.getBean(ConsulDiscoveryClient.class).getServices()).contains("backend");
    assertThat(app.getBean(ConsulReactiveDiscoveryClient.class).getInstances("backend").collectList()
        .block(Duration.ofSeconds(10))).hasSize(4);
    assertThat(app.getBean(ConsulReactiveDiscoveryClient.class).getServices().collectList()
        .block(Duration.ofSeconds(10))).contains("backend");

    // Deregister backend-2: within a second the cache no longer has it, and from then on no call reaches it.
    TestBackend second = backends.get(1);
    ServiceDiscovery discovery = app.getBean(ServiceDiscovery.class);
    CountDownLatch gone = new CountDownLatch(1);
    try (Subscription s = discovery.subscribe(app.getBean(ConsulSettings.class).query("backend"), list -> {
      if (list.size() == 3 && list.stream().noneMatch(i -> i.port() == second.port())) {
        gone.countDown();
      }
    })) {
      consul.deregisterService(consul.nodeName(), second.id);
      assertThat(gone.await(1, TimeUnit.SECONDS)).as("backend-2 left the cache within a second").isTrue();
    }
    second.resetHits();
    Set<String> after = new HashSet<>();
    for (int i = 0; i < 15; i++) {
      after.add(call(client));
    }
    assertThat(after).containsExactlyInAnyOrder("backend-1", "backend-3", "backend-4");
    assertThat(second.hits()).isZero();

    // backend-4 starts failing: after 3 failed calls (failures-to-eject) it is ejected and called no more.
    TestBackend failing = backends.get(3);
    failing.failing(true);
    ServiceSelector selector = app.getBean(ServiceSelector.class);
    ServiceInstance failingInstance = discovery.instances("backend").stream()
        .filter(i -> i.port() == failing.port()).findFirst().orElseThrow();
    int failures = 0;
    for (int i = 0; i < 30 && !selector.isEjected(failingInstance); i++) {
      try {
        call(client);
      } catch (HttpServerErrorException e) {
        failures++;
      }
    }
    assertThat(selector.isEjected(failingInstance)).as("ejected after %s failures", failures).isTrue();
    assertThat(failures).isEqualTo(3);
    failing.resetHits();
    Set<String> healthy = new HashSet<>();
    for (int i = 0; i < 15; i++) {
      healthy.add(call(client)); // no exception: the failing instance is left out
    }
    assertThat(healthy).containsExactlyInAnyOrder("backend-1", "backend-3");
    assertThat(failing.hits()).isZero();

    // The agent goes away: calls keep succeeding from the last good answer.
    consul.close();
    Set<String> withoutConsul = new HashSet<>();
    for (int i = 0; i < 15; i++) {
      withoutConsul.add(call(client));
    }
    assertThat(withoutConsul).containsExactlyInAnyOrder("backend-1", "backend-3");

    // The health endpoint says the agent is unreachable and the answer stale, but UP: lookups still work.
    await("the health endpoint to show a stale answer", () -> {
      JsonNode details = healthJson(app).path("details");
      return details.path("queries").path("'backend'").path("stale").asBoolean()
          && !details.path("agent").path("reachable").asBoolean(true);
    });
    HttpResponse<String> h = health(app);
    assertThat(h.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(h.body());
    assertThat(body.path("status").asText()).isEqualTo("UP");
    assertThat(body.path("details").path("queries").path("'backend'").path("status").asText()).isEqualTo("STALE");
    assertThat(body.path("details").path("queries").path("'backend'").path("instances").asInt()).isEqualTo(3);
    assertThat(call(client)).startsWith("backend-");
  }

  private HttpResponse<String> aggregateHealth(ConfigurableApplicationContext app) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + "/actuator/health"))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aggregateHealthIsUpWithTheAgentAndStaysUpWhenItIsGone() throws Exception {
    backends(1);
    ConfigurableApplicationContext app = frontend("discovery.consul.registration.enabled=false");
    assertThat(call(restClient(app))).isEqualTo("backend-1");
    // A MeterRegistry (actuator's) is present, so the library's metrics are bound.
    assertThat(app.getBeansOfType(MicrometerObserver.class)).hasSize(1);

    HttpResponse<String> up = aggregateHealth(app);
    assertThat(up.statusCode()).isEqualTo(200);
    JsonNode components = json(up).path("components");
    assertThat(json(up).path("status").asText()).isEqualTo("UP");
    assertThat(components.path("discoveryConsul").path("status").asText()).isEqualTo("UP");
    // Spring Cloud's own indicators are off by default (DiscoveryEnvironmentDefaults): no UNKNOWN
    // "not initialized", and no DOWN for a failed catalog call while lookups work.
    assertThat(components.has("discoveryComposite")).isFalse();
    assertThat(components.has("discoveryClient")).isFalse();

    // Right after the agent is stopped, and until our contributor notices the answer is stale: 200 UP throughout.
    consul.close();
    HttpResponse<String> justAfter = aggregateHealth(app);
    assertThat(justAfter.statusCode()).isEqualTo(200);
    assertThat(json(justAfter).path("status").asText()).isEqualTo("UP");
    await("the aggregate health to show a stale answer", () -> {
      HttpResponse<String> h = aggregateHealth(app);
      assertThat(h.statusCode()).as(h.body()).isEqualTo(200);
      assertThat(json(h).path("status").asText()).isEqualTo("UP");
      JsonNode ours = json(h).path("components").path("discoveryConsul");
      return ours.path("details").path("queries").path("'backend'").path("stale").asBoolean();
    });
    JsonNode ours = json(aggregateHealth(app)).path("components").path("discoveryConsul");
    assertThat(ours.path("status").asText()).isEqualTo("UP");
    assertThat(ours.path("details").path("queries").path("'backend'").path("status").asText()).isEqualTo("STALE");
    assertThat(call(restClient(app))).isEqualTo("backend-1");
  }

  @Test
  void healthDefaultsDisabledLeavesOurContributorOut() {
    ConfigurableApplicationContext quiet = frontend("discovery.consul.registration.enabled=false",
        "management.health.defaults.enabled=false");
    HttpResponse<String> h = aggregateHealth(quiet);
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(json(h).path("components").has("discoveryConsul")).as(h.body()).isFalse();
    assertThat(quiet.containsBean("discoveryConsulHealthIndicator")).isFalse();

  }

  private JsonNode healthJson(ConfigurableApplicationContext app) {
    try {
      return JSON.readTree(health(app).body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void applicationRegistersItselfComesBackAfterAnAgentRestartAndIsGoneAfterClose() throws Exception {
    ConfigurableApplicationContext app = frontend("discovery.consul.registration.tags=edge,v1",
        "discovery.consul.registration.meta.team=web");
    int port = port(app);
    try (ConsulAgent agent = ConsulAgent.create(consul.httpUri())) {
      AgentService self = registered(agent);
      assertThat(self).isNotNull();
      assertThat(self.port()).isEqualTo(port);
      assertThat(self.address()).isEqualTo("127.0.0.1");
      assertThat(self.tags()).containsExactly("edge", "v1");
      assertThat(self.meta()).containsEntry("team", "web");
      // Its TTL check passes: the health API lists it, as the application's own discovery sees.
      await("the frontend to pass its check", () ->
          app.getBean(ServiceDiscovery.class).instances("frontend").stream().anyMatch(i -> i.port() == port));

      JsonNode registration = JSON.readTree(health(app).body()).path("details").path("registration");
      assertThat(registration.path("service").asText()).isEqualTo("frontend");
      assertThat(registration.path("healthy").asBoolean()).isTrue();

      consul.restart(); // forgets every registration, like an agent restarted without its data
      assertThat(registered(agent)).isNull();
      await("the frontend to register again", () -> registered(agent) != null);

      app.close();
      assertThat(registered(agent)).as("deregistered on close").isNull();
    }
  }

  private static AgentService registered(ConsulAgent agent) {
    return agent.services().stream().filter(s -> s.name().equals("frontend")).findFirst().orElse(null);
  }

  @Test
  void wrongTokenIsReportedOnceWithoutTheToken(CapturedOutput output) throws Exception {
    consul.close();
    consul = ConsulTestAgent.builder().aclToken("the-right-token").start();
    ConfigurableApplicationContext app = frontend("discovery.consul.registration.enabled=false",
        "discovery.consul.token=wrong-token-4711");
    HttpResponse<String> first = health(app);
    HttpResponse<String> second = health(app);
    assertThat(first.statusCode()).isEqualTo(503);
    assertThat(second.statusCode()).isEqualTo(503);
    JsonNode agent = JSON.readTree(second.body()).path("details").path("agent");
    assertThat(agent.path("tokenRefused").asBoolean()).isTrue();
    assertThat(agent.path("error").asText()).contains("403");
    assertThat(first.body() + second.body()).doesNotContain("wrong-token-4711");
    List<String> warnings = output.getAll().lines()
        .filter(l -> l.contains("WARN") && l.contains("discovery.consul.token")).collect(Collectors.toList());
    assertThat(warnings).hasSize(1);
    assertThat(output.getAll()).doesNotContain("wrong-token-4711");
  }

  @Test
  void configpropsAndEnvEndpointsNeverShowTheTokenEvenWithShowValuesAlways() throws Exception {
    String token = "Xq7-actuator-acl-token-9913";
    consul.close();
    consul = ConsulTestAgent.builder().aclToken(token).start();
    ConfigurableApplicationContext app = frontend("discovery.consul.registration.enabled=false",
        "discovery.consul.token=" + token,
        // As the environment would give them; actuator's /env lists every property source alike.
        "CONSUL_HTTP_TOKEN=Wv3-env-acl-token-5521", "CONSUL_HTTP_AUTH=proxy-user:Rk8-proxy-pass-1177",
        "management.endpoints.web.exposure.include=health,configprops,env",
        "management.endpoint.configprops.show-values=always",
        "management.endpoint.env.show-values=always");
    // The token works: the application talks to the ACL-protected agent with it.
    await("the agent answers with the token", () -> {
      try {
        return health(app).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    String configprops = actuator(app, "configprops");
    String env = actuator(app, "env");
    String envToken = actuator(app, "env/discovery.consul.token");
    for (String body : List.of(configprops, env, envToken)) {
      assertThat(body).doesNotContain(token).doesNotContain("Wv3-env-acl-token-5521")
          .doesNotContain("Rk8-proxy-pass-1177");
    }
    // The endpoints do show values (so the absence above is the sanitizer's doing), and the key is there, masked.
    assertThat(env).contains("frontend").contains("CONSUL_HTTP_TOKEN").contains("CONSUL_HTTP_AUTH");
    assertThat(configprops).contains("127.0.0.1:" + consul.httpUri().getPort());
    JsonNode props = findConsulProperties(JSON.readTree(configprops));
    assertThat(props).as("discovery.consul in %s", configprops).isNotNull();
    assertThat(props.path("token").asText()).isEqualTo("******");
    assertThat(JSON.readTree(envToken).path("property").path("value").asText()).isEqualTo("******");
  }

  private String actuator(ConfigurableApplicationContext app, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app)
        + "/actuator/" + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("/actuator/%s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  /** The properties of the configprops bean whose prefix is discovery.consul, in any context. */
  private static JsonNode findConsulProperties(JsonNode configprops) {
    for (JsonNode context : configprops.path("contexts")) {
      for (JsonNode bean : context.path("beans")) {
        if ("discovery.consul".equals(bean.path("prefix").asText())) {
          return bean.path("properties");
        }
      }
    }
    return null;
  }
}
