package dev.discovery.examples;

import static dev.discovery.examples.LookupCommandTest.lookup;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.consul.testkit.ConsulTestAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lookup tool's --zone and --zone-key: each instance's zone, and the split a selector in that zone makes. */
class LookupZoneTest {
  private ConsulTestAgent consul;

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().runChecks(false).start();
    for (int i = 1; i <= 4; i++) {
      consul.registerNodeService("n" + i, "10.0.0." + i, "{\"Name\":\"web\",\"ID\":\"web-" + i + "\",\"Port\":80,"
          + "\"Meta\":{\"zone\":\"" + (i <= 3 ? "a" : "b") + "\"}}");
    }
  }

  @AfterEach
  void stop() {
    consul.close();
  }

  @Test
  void printsEachInstancesZoneAndTheShareACallerThereKeeps() throws Exception {
    String http = "--consul=" + consul.httpUri();
    LookupCommandTest.Run run = lookup("web", http, "--zone=a", "--zone-key=service:zone");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("10.0.0.1:80 zone=a", "10.0.0.4:80 zone=b");
    assertThat(run.err()).contains("keeps 100.0% of its picks there (3 of 4 instances)");

    JsonNode json = new ObjectMapper().readTree(lookup("web", http, "--zone=b", "--zone-key=service:zone", "--json")
        .out());
    assertThat(json.get(0).path("zone").asText()).isEqualTo("a");
    assertThat(json.get(3).path("zone").asText()).isEqualTo("b");
  }

  @Test
  void badZoneFlagsAreUsageErrorsNamingTheFlag() {
    String http = "--consul=" + consul.httpUri();
    LookupCommandTest.Run noKey = lookup("web", http, "--zone=a");
    assertThat(noKey.exit()).isEqualTo(2);
    assertThat(noKey.err()).contains("--zone and --zone-key go together");
    LookupCommandTest.Run badKey = lookup("web", http, "--zone=a", "--zone-key=zone");
    assertThat(badKey.exit()).isEqualTo(2);
    assertThat(badKey.err()).contains("--zone-key:").contains("service:KEY");
  }
}
