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
      // "sick": registered, but its only instance fails its check. "warm": its instance is in warning.
      agent.registerService(ServiceRegistration.builder("sick").id("sick-1").address("10.0.0.3").port(8080)
          .tags("v1").build());
      agent.registerService(ServiceRegistration.builder("warm").id("warm-1").address("10.0.0.4").port(8080).build());
    }
    consul.setServiceHealth("sick-1", "critical");
    consul.setServiceHealth("warm-1", "warning");
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
    long deadline = System.nanoTime() + 30_000_000_000L; // a --watch retries with back-off up to 30 s
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
  void overHttpTheMessageTellsAnUnknownServiceFromOneWithoutAHealthyInstance() {
    Run unknown = lookup("nosuch", http());
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("'nosuch' is unknown to Consul HTTP at " + consul.httpUri())
        .contains("check the name").hasLineCount(1);

    Run sick = lookup("sick", http());
    assertThat(sick.exit()).isEqualTo(1);
    assertThat(sick.out()).isEmpty();
    assertThat(sick.err()).contains("'sick' is registered in Consul HTTP at " + consul.httpUri())
        .contains("none of its instances is passing").contains("health checks").doesNotContain("unknown").hasLineCount(1);

    Run wrongTag = lookup("sick", http(), "--tag=v9");
    assertThat(wrongTag.exit()).isEqualTo(1);
    assertThat(wrongTag.err()).contains("'sick' is registered").contains("no instance has tag(s) v9")
        .contains("--tag").hasLineCount(1);
  }

  @Test
  void overDnsTheMessageSaysDnsCannotTellUnknownFromUnhealthy() {
    for (String service : new String[] {"nosuch", "sick"}) {
      Run run = lookup(service, dns());
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).contains("'" + service + "'").contains("Consul DNS at 127.0.0.1:" + consul.dnsPort())
          .contains("DNS cannot tell").contains("--consul=URL").hasLineCount(1);
    }
  }

  @Test
  void healthWarningAlsoAcceptsInstancesInWarning() throws Exception {
    Run passingOnly = lookup("warm", http());
    assertThat(passingOnly.exit()).isEqualTo(1);
    assertThat(passingOnly.err()).contains("none of its instances is passing").contains("--health=warning").hasLineCount(1);

    Run warning = lookup("warm", http(), "--health=warning", "--json");
    assertThat(warning.exit()).as(warning.err()).isZero();
    JsonNode array = new ObjectMapper().readTree(warning.out());
    assertThat(array).hasSize(1);
    assertThat(array.get(0).get("host").asText()).isEqualTo("10.0.0.4");
    assertThat(array.get(0).get("health").asText()).isEqualTo("warning");
    // A critical instance stays out even then.
    assertThat(lookup("sick", http(), "--health=warning").exit()).isEqualTo(1);
  }

  @Test
  void dcSelectsTheDatacenterOverHttpAndDns() {
    Run own = lookup("web", http(), "--dc=dc1");
    assertThat(own.exit()).as(own.err()).isZero();
    assertThat(own.out().lines()).hasSize(2);
    Run ownDns = lookup("web", dns(), "--dc=dc1");
    assertThat(ownDns.exit()).as(ownDns.err()).isZero();
    assertThat(ownDns.out().lines()).hasSize(2);

    // The stand-in knows one datacenter, as an agent without WAN federation does.
    Run other = lookup("web", http(), "--dc=dc9");
    assertThat(other.exit()).isEqualTo(3);
    assertThat(other.out()).isEmpty();
    assertThat(other.err()).contains("'web'").contains("Consul HTTP at").contains("dc9")
        .contains("check the datacenter name").hasLineCount(1);
    Run otherDns = lookup("web", dns(), "--dc=dc9");
    assertThat(otherDns.exit()).isEqualTo(1); // Consul DNS answers NXDOMAIN for an unknown datacenter
    assertThat(otherDns.err()).contains("in datacenter 'dc9'").contains("--dc").hasLineCount(1);
  }

  @Test
  void badUsageExitsTwoWithOneLineNamingTheProblemAndTheFix(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path tokenFile = dir.resolve("token");
    java.nio.file.Files.writeString(tokenFile, "some-token\n");
    String[][] cases = {
        {},
        {"web", "--no-such-option"},
        {"web", http(), "--health=sometimes"},
        {"web", "--dns=nonsense"},
        {"web", http(), "--tag=a,b"},
        {"web", http(), dns()},
        {"web", dns(), "--token-file=" + tokenFile},
        {"web", http(), "--token-file=" + dir.resolve("missing")},
        {"web", http(), "--timeout=soon"},
        {"web", "--consul=ftp://127.0.0.1:8500"},
    };
    String[] expected = {
        "Missing required parameter: 'SERVICE'",
        "Unknown option: '--no-such-option'",
        "--health must be 'passing' or 'warning', was 'sometimes'",
        "--dns: expected HOST:PORT",
        "'a,b'",
        "--consul and --dns both choose the registry; give one of them",
        "--token-file does not apply to --dns: Consul's DNS interface takes no ACL token",
        "cannot read",
        "--timeout must be a positive duration such as 500ms",
        "--consul must be an http:// or https:// URL",
    };
    for (int i = 0; i < cases.length; i++) {
      Run run = lookup(cases[i]);
      assertThat(run.exit()).as(String.join(" ", cases[i]) + ": " + run.err()).isEqualTo(2);
      assertThat(run.out()).isEmpty();
      assertThat(run.err()).as(String.join(" ", cases[i])).startsWith("lookup: ").contains(expected[i])
          .contains("see 'discovery-examples lookup --help'").hasLineCount(1).doesNotContain("Usage:");
    }
    assertThat(lookup("web", dns(), "--token-file=" + tokenFile).err()).contains("drop --token-file")
        .doesNotContain("some-token");
  }

  @Test
  void aDnsServerThatDoesNotAnswerExitsThreeAfterTheTimeout() throws Exception {
    try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + silent.getLocalPort();
      Run run = lookup("web", "--dns=" + address, "--timeout=1s");
      assertThat(run.exit()).isEqualTo(3);
      assertThat(run.out()).isEmpty();
      assertThat(run.err()).contains("'web'").contains("Consul DNS at " + address)
          .contains("set --dns=HOST:PORT").hasLineCount(1);
      Run watching = lookup("web", "--dns=" + address, "--timeout=1s", "--watch");
      assertThat(watching.exit()).isEqualTo(3);
      assertThat(watching.out()).isEmpty();
      assertThat(watching.err()).contains("'web'").contains("--timeout=1s").hasLineCount(1);
    }
  }

  @Test
  void unreachableRegistryExitsThreeWithOneLine() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Run run = lookup("web", "--consul=http://127.0.0.1:" + closedPort);
    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err()).contains("'web'").contains("Consul HTTP at http://127.0.0.1:" + closedPort)
        .contains("is the agent running at http://127.0.0.1:" + closedPort + "? set --consul=URL").hasLineCount(1);

    // --watch keeps asking until the time-out, then gives up the same way, once.
    Run watching = lookup("web", "--consul=http://127.0.0.1:" + closedPort, "--watch", "--timeout=1500ms");
    assertThat(watching.exit()).isEqualTo(3);
    assertThat(watching.out()).isEmpty();
    assertThat(watching.err()).contains("'web'").contains("--timeout=1500ms").hasLineCount(1);
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
      agent.deregisterService("w1"); // the agent is shared by the class's tests
    } finally {
      watcher.interrupt();
      watcher.join(10_000);
    }
    String[] lines = out.toString().split("\\R");
    assertThat(lines[0]).startsWith("# ").endsWith("0 instances fresh");
    assertThat(out.toString()).contains("1 instance fresh" + System.lineSeparator() + "10.0.0.9:9000");
    assertThat(watcher.isAlive()).isFalse();
  }

  @Test
  void watchMarksListsStaleWhileTheRegistryIsGoneAndSaysSoOnceEachWay() throws Exception {
    try (ConsulTestAgent flaky = ConsulTestAgent.builder().start();
         ConsulAgent agent = ConsulAgent.create(flaky.httpUri())) {
      agent.registerService(ServiceRegistration.builder("api").id("api-1").address("10.0.0.7").port(7000).build());
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      Thread watcher = new Thread(() -> Main.run(new PrintWriter(out, true), new PrintWriter(err, true),
          "lookup", "api", "--consul=" + flaky.httpUri(), "--watch"));
      watcher.start();
      try {
        await("the first list", () -> out.toString().contains("1 instance fresh"));
        String health = "/v1/health/service/api";
        long before = flaky.requestCount(health);
        flaky.dropConnections(true);
        await("the list marked stale", () -> out.toString().contains("1 instance STALE"));
        // Several failed attempts, yet one line on stderr.
        await("two more failed requests", () -> flaky.requestCount(health) >= before + 3);
        flaky.dropConnections(false);
        await("the registry answering again", () -> err.toString().contains("answers again"));
        await("a fresh list again", () -> out.toString().indexOf("1 instance fresh")
            < out.toString().lastIndexOf("1 instance fresh"));
      } finally {
        watcher.interrupt();
        watcher.join(10_000);
      }
      assertThat(watcher.isAlive()).isFalse();
      String nl = System.lineSeparator();
      assertThat(out.toString()).containsPattern("# \\S+ 1 instance fresh" + nl + "10\\.0\\.0\\.7:7000" + nl
          + "# \\S+ 1 instance STALE" + nl + "10\\.0\\.0\\.7:7000" + nl
          + "# \\S+ 1 instance fresh" + nl + "10\\.0\\.0\\.7:7000" + nl);
      assertThat(err.toString()).hasLineCount(2);
      String[] errLines = err.toString().split("\\R");
      assertThat(errLines[0]).startsWith("lookup: lost Consul HTTP at " + flaky.httpUri()).contains("'api'")
          .contains("STALE").contains("set --consul=URL");
      assertThat(errLines[1]).isEqualTo("lookup: Consul HTTP at " + flaky.httpUri() + " answers again for service 'api'");
    }
  }
}
