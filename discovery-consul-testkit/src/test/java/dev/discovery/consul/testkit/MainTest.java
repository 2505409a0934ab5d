package dev.discovery.consul.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class MainTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true,
      StandardCharsets.UTF_8);

  @Test
  void startsWithPreloadedServicesServedOverHttpAndDns(@TempDir Path dir) throws Exception {
    Path services = dir.resolve("services.json");
    Files.writeString(services, "[{\"Name\":\"web\",\"ID\":\"web-1\",\"Port\":8080,\"Tags\":[\"blue\"]},"
        + "{\"Name\":\"db\",\"Port\":5432,\"Check\":{\"TTL\":\"1m\",\"Status\":\"passing\"}}]");
    try (ConsulTestAgent agent = Main.start(new String[] {"--http-port", "0", "--dns-port=0", "--services",
        services.toString(), "--bind", "127.0.0.1", "--datacenter", "lab", "--node", "dev"}, QUIET)) {
      assertThat(agent.datacenter()).isEqualTo("lab");
      assertThat(agent.nodeName()).isEqualTo("dev");
      assertThat(Http.get(agent, "/v1/health/service/web?tag=blue").json().get(0).at("/Service/Port").asInt())
          .isEqualTo(8080);
      assertThat(Http.get(agent, "/v1/health/service/db?passing").json().size()).isEqualTo(1);
      Message m = Dig.udp(agent.dnsAddress(), "web.service.lab.consul.", Type.SRV, null).message();
      assertThat(((SRVRecord) m.getSection(Section.ANSWER).get(0)).getTarget().toString())
          .isEqualTo("dev.node.lab.consul.");
    }
  }

  @Test
  void badArgumentsGiveClearErrors(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> Main.start(new String[] {"--frobnicate", "1"}, QUIET))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown option --frobnicate");
    assertThatThrownBy(() -> Main.start(new String[] {"--http-port"}, QUIET))
        .hasMessage("option --http-port needs a value");
    assertThatThrownBy(() -> Main.start(new String[] {"--http-port", "eighty"}, QUIET))
        .hasMessage("--http-port must be a number, got eighty");
    assertThatThrownBy(() -> Main.start(new String[] {"--dns-port", "70000"}, QUIET))
        .hasMessageContaining("0..65535");
    Path notArray = dir.resolve("one.json");
    Files.writeString(notArray, "{\"Name\":\"web\"}");
    assertThatThrownBy(() -> Main.start(new String[] {"--http-port", "0", "--dns-port", "0", "--services",
        notArray.toString()}, QUIET)).hasMessageContaining("must hold a JSON array");
    Path invalid = dir.resolve("bad.json");
    Files.writeString(invalid, "[{\"Port\":1}]");
    assertThatThrownBy(() -> Main.start(new String[] {"--http-port", "0", "--dns-port", "0", "--services",
        invalid.toString()}, QUIET)).hasMessageContaining("Missing service name");
    assertThatThrownBy(() -> Main.start(new String[] {"--services", dir.resolve("missing.json").toString()},
        QUIET)).hasMessageContaining("cannot read services file");
  }

  @Test
  void helpPrintsUsageAndStartsNothing() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(Main.start(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8))).isNull();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--http-port").contains("--services")
        .contains("Not a production registry");
  }
}
