package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.Health;
import dev.discovery.HealthFilter;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.Fixtures;
import dev.discovery.consul.http.Bodies;
import dev.discovery.consul.Mutations;
import dev.discovery.consul.Property;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Properties of the health-endpoint parser: whatever bytes arrive, it either returns instances that satisfy
 * the query or refuses the whole answer with an {@link InvalidAnswerException}; and any well-formed answer reads
 * back as exactly the instances it describes. The time-outs only guard against a hang; a run takes well under a
 * second.
 */
class HealthParserPropertyTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ServiceQuery REDIS = ServiceQuery.of("redis");
  private static final ServiceQuery WEB = ServiceQuery.of("web");
  private static final byte[] SAMPLE = Fixtures.consul("health-service-redis.json").getBytes(StandardCharsets.UTF_8);
  private static final byte[] WEB_BODY = Bodies.array(
          Bodies.entry("n1", "10.0.0.1", "web-1", "web", "", 8080, List.of("v1", "blue"), "passing"),
          Bodies.entry("n2", "10.0.0.2", "web-2", "web", "192.168.1.2", 8081, List.of(), "passing", "warning"),
          Bodies.entry("n3", "10.0.0.3", "web-3", "web", "", 0, List.of("v1"), "critical"))
      .getBytes(StandardCharsets.UTF_8);

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void randomAndDamagedBodiesAreRefusedWithInvalidAnswerOrReadAsValidInstances() {
    Set<String> reasons = new java.util.HashSet<>();
    int[] accepted = {0};
    Property.forAllBytes("health parser on bad input", 3000, r -> {
      byte[] seed = r.nextBoolean() ? SAMPLE : WEB_BODY;
      return Mutations.anyBadInput(r, seed);
    }, body -> {
      for (ServiceQuery q : List.of(REDIS, WEB.withHealth(HealthFilter.PASSING_OR_WARNING))) {
        for (String tagged : new String[] {null, "wan", "lan"}) {
          HealthParser.Result result;
          try {
            result = HealthParser.parse(body, q, tagged);
          } catch (InvalidAnswerException e) {
            assertThat(e.getMessage()).as("a refusal says what was wrong").isNotBlank();
            reasons.add(e.getMessage().replaceAll("[0-9]+", "N").replaceAll("'[^']*'", "'x'"));
            continue;
          }
          for (ServiceInstance i : result.instances()) {
            assertThat(q.matches(i)).as("%s matches %s", i, q).isTrue();
          }
          accepted[0]++;
        }
      }
    });
    // The inputs reach deep into the parser: many different refusals, and damage it can live with.
    assertThat(reasons).hasSizeGreaterThan(30);
    assertThat(accepted[0]).isPositive();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anyWellFormedAnswerReadsBackAsTheInstancesItDescribes() {
    Property.forAll("health parser round trip", 500, HealthParserPropertyTest::answer, Generated::toString, g -> {
      byte[] body = MAPPER.writeValueAsBytes(g.entries);
      for (HealthFilter filter : HealthFilter.values()) {
        ServiceQuery q = WEB.withHealth(filter);
        HealthParser.Result result = HealthParser.parse(body, q, null);
        List<ServiceInstance> expected = new ArrayList<>();
        int withoutPort = 0;
        for (Expected e : g.expected) {
          if (e.instance == null) {
            withoutPort++;
          } else if (filter.accepts(e.instance.health())) {
            expected.add(e.instance);
          }
        }
        assertThat(result.instances()).isEqualTo(expected);
        assertThat(result.withoutPort()).isEqualTo(withoutPort);
      }
    });
  }

  /** Entries as Consul would send them, and the instance each should become ({@code null}: no port). */
  private record Generated(List<Map<String, Object>> entries, List<Expected> expected) {
    @Override
    public String toString() {
      try {
        return MAPPER.writeValueAsString(entries);
      } catch (Exception e) {
        return entries.toString();
      }
    }
  }

  private record Expected(ServiceInstance instance) {}

  private static final String[] STATUSES = {"passing", "passing", "passing", "warning", "critical", "maintenance"};

  private static Generated answer(Random r) {
    List<Map<String, Object>> entries = new ArrayList<>();
    List<Expected> expected = new ArrayList<>();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      String node = "node-" + i + word(r);
      String nodeAddress = "10.0." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      String serviceId = "web-" + i + word(r);
      String serviceAddress = r.nextBoolean() ? "" : (r.nextBoolean() ? "192.168.0." + r.nextInt(256) : "h" + i
          + ".example.com");
      int port = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(65535);
      Set<String> tags = new LinkedHashSet<>();
      for (int t = r.nextInt(4); t > 0; t--) {
        tags.add("t" + word(r));
      }
      Map<String, String> meta = new LinkedHashMap<>();
      for (int m = r.nextInt(3); m > 0; m--) {
        meta.put("k" + word(r), word(r));
      }
      Integer passing = r.nextBoolean() ? null : r.nextInt(20);
      Integer warning = r.nextBoolean() ? null : r.nextInt(20);
      List<Map<String, Object>> checks = new ArrayList<>();
      Health health = Health.PASSING;
      for (int c = r.nextInt(4); c >= 0; c--) {
        String status = STATUSES[r.nextInt(STATUSES.length)];
        String checkId;
        if (status.equals("maintenance")) {
          status = "critical";
          checkId = "_service_maintenance:" + serviceId;
        } else {
          checkId = c == 0 ? "serfHealth" : "service:" + serviceId + ":" + c;
        }
        checks.add(Map.of("Node", node, "CheckID", checkId, "Status", status, "ServiceID", serviceId));
        if (status.equals("critical")) {
          health = Health.CRITICAL;
        } else if (status.equals("warning") && health == Health.PASSING) {
          health = Health.WARNING;
        }
      }
      Map<String, Object> weights = new LinkedHashMap<>();
      if (passing != null) {
        weights.put("Passing", passing);
      }
      if (warning != null) {
        weights.put("Warning", warning);
      }
      Map<String, Object> service = new LinkedHashMap<>();
      service.put("ID", serviceId);
      service.put("Service", r.nextInt(5) == 0 ? "WEB" : "web"); // Consul matches names case-insensitively
      service.put("Tags", List.copyOf(tags));
      service.put("Address", serviceAddress);
      service.put("Meta", meta);
      service.put("Port", port);
      service.put("Weights", weights);
      entries.add(Map.of(
          "Node", Map.of("Node", node, "Address", nodeAddress, "Datacenter", "dc1"),
          "Service", service,
          "Checks", checks));
      if (port == 0) {
        expected.add(new Expected(null));
        continue;
      }
      int weight = health == Health.WARNING ? (warning == null ? 1 : warning) : (passing == null ? 1 : passing);
      expected.add(new Expected(new ServiceInstance(node + "/" + serviceId, (String) service.get("Service"),
          serviceAddress.isEmpty() ? nodeAddress : serviceAddress, port, tags, meta, Math.max(1, weight), health)));
    }
    return new Generated(entries, expected);
  }

  private static String word(Random r) {
    StringBuilder s = new StringBuilder();
    for (int i = 1 + r.nextInt(6); i > 0; i--) {
      s.append((char) ('a' + r.nextInt(26)));
    }
    return s.toString();
  }
}
