package dev.discovery.examples;

import static dev.discovery.examples.LookupCommandTest.lookup;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.examples.LookupCommandTest.Run;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lookup --snapshot-dir=DIR}: a run while the agent is down prints the answer an earlier run kept, saying so. */
class LookupSnapshotDirTest {
  @TempDir
  Path dir;
  private ConsulTestAgent consul;

  @BeforeEach
  void start() {
    consul = ConsulTestAgent.builder().start();
    consul.registerService("{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"10.0.0.1\",\"Port\":8080,"
        + "\"Tags\":[\"v1\"]}");
  }

  @AfterEach
  void stop() {
    consul.close();
  }

  @Test
  void aRunWithTheAgentDownPrintsTheKeptAnswerAndSaysItCameFromDisk() throws Exception {
    String http = "--consul=" + consul.httpUri();
    String snapshots = "--snapshot-dir=" + dir;
    Run live = lookup("web", http, snapshots, "--json");
    assertThat(live.exit()).as(live.err()).isZero();
    assertThat(new ObjectMapper().readTree(live.out()).get(0).get("fromDisk").asBoolean()).isFalse();
    assertThat(live.err()).isEmpty();

    consul.dropConnections(true);
    Run withoutDir = lookup("web", http, "--timeout=2s");
    assertThat(withoutDir.exit()).as("without --snapshot-dir nothing to serve").isEqualTo(LookupCommand.UNAVAILABLE);

    Run fromDisk = lookup("web", http, snapshots, "--json");
    assertThat(fromDisk.exit()).as(fromDisk.err()).isZero();
    JsonNode web1 = new ObjectMapper().readTree(fromDisk.out()).get(0);
    assertThat(web1.get("host").asText()).isEqualTo("10.0.0.1");
    assertThat(web1.get("fromDisk").asBoolean()).isTrue();
    assertThat(fromDisk.err()).hasLineCount(1).contains("could not be reached for service 'web'")
        .contains("read from " + dir).containsPattern("confirmed \\d+ s ago");

    Run text = lookup("web", http, snapshots);
    assertThat(text.exit()).isZero();
    assertThat(text.out()).isEqualTo("10.0.0.1:8080 v1" + System.lineSeparator());
    assertThat(text.err()).contains("read from " + dir);
  }
}
