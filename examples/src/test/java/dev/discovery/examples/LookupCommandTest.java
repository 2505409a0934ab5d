package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LookupCommandTest {
  static ConsulTestAgent consul;

  @BeforeAll
  static void startConsul() {
    consul = ConsulTestAgent.builder().start();
    try (ConsulAgent agent = ConsulAgent.create(consul.httpUri())) {
      agent.registerService(ServiceRegistration.builder("web").id("web-2").address("10.0.0.2").port(8080)
          .tags("v2", "eu").build());
      agent.registerService(ServiceRegistration.builder("web").id("web-1").address("10.0.0.1").port(8080)
          .tags("v1").build());
    }
  }

  @AfterAll
  static void stopConsul() {
    consul.close();
  }

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {}

  static Run lookup(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "lookup";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Run(exit, out.toString(), err.toString());
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static String http() {
    return "--consul=" + consul.httpUri();
  }

  private static String dns() {
    return "--dns=127.0.0.1:" + consul.dnsAddress().getPort();
  }

  @Test
  void printsSortedInstancesWithTagsOverHttp() {
    Run run = lookup("web", http());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("10.0.0.1:8080 v1\n10.0.0.2:8080 eu,v2\n".replace("\n", System.lineSeparator()));
  }

  @Test
  void filtersByTagOverHttpAndDns() {
    assertThat(lookup("web", http(), "--tag=v2").out().trim()).isEqualTo("10.0.0.2:8080 eu,v2");
    Run viaDns = lookup("web", dns(), "--tag=v2");
    assertThat(viaDns.exit()).as(viaDns.err()).isZero();
    assertThat(viaDns.out().trim()).startsWith("10.0.0.2:8080");
  }

  @Test
  void findsBothInstancesOverDns() {
    Run run = lookup("web", dns());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out().lines()).hasSize(2).allMatch(l -> l.startsWith("10.0.0.1:8080") || l.startsWith("10.0.0.2:8080"));
  }

  @Test
  void printsJson() throws Exception {
    Run run = lookup("web", http(), "--json", "--tag=v1");
    JsonNode array = new ObjectMapper().readTree(run.out());
    assertThat(array).hasSize(1);
    JsonNode web1 = array.get(0);
    assertThat(web1.get("host").asText()).isEqualTo("10.0.0.1");
    assertThat(web1.get("port").asInt()).isEqualTo(8080);
    assertThat(web1.get("service").asText()).isEqualTo("web");
    assertThat(web1.get("tags").get(0).asText()).isEqualTo("v1");
    assertThat(web1.get("health").asText()).isEqualTo("passing");
    assertThat(web1.has("id") && web1.has("meta") && web1.has("weight")).isTrue();
  }

  @Test
  void noInstanceExitsOneWithAMessageNamingTheService() {
    Run run = lookup("nosuch", http());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("'nosuch'").contains("Consul HTTP at").hasLineCount(1);
    assertThat(lookup("nosuch", dns()).exit()).isEqualTo(1);
  }

  @Test
  void badUsageExitsTwo() {
    assertThat(lookup().exit()).isEqualTo(2);
    assertThat(lookup("web", http(), "--health=sometimes").exit()).isEqualTo(2);
    assertThat(lookup("web", "--dns=nonsense").exit()).isEqualTo(2);
    assertThat(lookup("web", http(), "--tag=a,b").exit()).isEqualTo(2);
  }

  @Test
  void unreachableRegistryExitsThreeWithOneLine() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Run run = lookup("web", "--consul=http://127.0.0.1:" + closedPort);
    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err()).contains("'web'").contains("127.0.0.1:" + closedPort).hasLineCount(1);
  }

  @Test
  void aRefusedTokenExitsThreeNamingTheTokenFileButNeverTheToken(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    try (ConsulTestAgent secured = ConsulTestAgent.builder().aclToken("the-right-token").start()) {
      java.nio.file.Path tokenFile = dir.resolve("consul.token");
      java.nio.file.Files.writeString(tokenFile, "wrong-secret-token\n");
      Run run = lookup("web", "--consul=" + secured.httpUri(), "--token-file=" + tokenFile);
      assertThat(run.exit()).isEqualTo(3);
      assertThat(run.err()).contains(tokenFile.toString()).contains("'web'").hasLineCount(1)
          .doesNotContain("wrong-secret-token");
      assertThat(run.out()).doesNotContain("wrong-secret-token");
    }
  }

  @Test
  void watchPrintsTheListAgainAtEveryChange() throws Exception {
    StringWriter out = new StringWriter();
    Thread watcher = new Thread(() -> Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
        "lookup", "watched", http(), "--watch"));
    watcher.start();
    try (ConsulAgent agent = ConsulAgent.create(consul.httpUri())) {
      await("the first (empty) list", () -> out.toString().contains("# "));
      agent.registerService(ServiceRegistration.builder("watched").id("w1").address("10.0.0.9").port(9000).build());
      await("the changed list", () -> out.toString().contains("10.0.0.9:9000"));
    } finally {
      watcher.interrupt();
      watcher.join(10_000);
    }
    String[] lines = out.toString().split("\\R");
    assertThat(lines[0]).startsWith("# ").endsWith("0 instances fresh");
    assertThat(out.toString()).contains("1 instance fresh" + System.lineSeparator() + "10.0.0.9:9000");
    assertThat(watcher.isAlive()).isFalse();
  }
}
