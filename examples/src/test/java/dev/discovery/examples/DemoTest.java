package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a test: the printed story must be the one the issue promises. */
class DemoTest {

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {}

  static Run demo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "demo";
    System.arraycopy(args, 0, all, 1, args.length);
    int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void demoDiscoversBalancesEvenlyFailsOverAndServesStaleWhenConsulIsGone() {
    Run run = demo();
    String output = run.out();

    assertThat(run.exit()).as(output + run.err()).isZero();
    assertThat(output).contains("discovered over HTTP").contains("over DNS");
    assertSteps1To3(output);
    // Consul gone: the cache still answers, marked stale, and requests still succeed.
    assertThat(output).contains("marked STALE");
    Matcher stale = Pattern.compile("5 requests through the frontend: \\{(.*)}").matcher(output);
    assertThat(stale.find()).as(output).isTrue();
    assertThat(stale.group(1)).doesNotContain("error");
    assertThat(output).contains("Done.");
  }

  /**
   * {@code demo --consul=URL --dns=HOST:PORT}, the real-agent mode, against an agent the test starts itself (the
   * testkit standing in for a real agent, out of the demo's reach): steps 1 to 3, step 4 skipped, exit 0, and
   * nothing left registered in the agent afterwards, the crashed backend included.
   */
  @Test
  void againstAnAgentOfItsOwnTheDemoRunsStepsOneToThreeAndLeavesNothingRegistered() {
    try (ConsulTestAgent agent = ConsulTestAgent.builder().start();
         ConsulAgent client = ConsulAgent.create(agent.httpUri())) {
      Run run = demo("--consul=" + agent.httpUri(), "--dns=127.0.0.1:" + agent.dnsPort(),
          "--frontend-discovery=dns");
      String output = run.out();

      assertThat(run.exit()).as(output + run.err()).isZero();
      assertThat(output).contains("Using the Consul agent at " + agent.httpUri())
          .doesNotContain("Started the Consul stand-in");
      assertThat(output).contains("discovered over HTTP").contains("over DNS").contains("round robin over DNS");
      assertSteps1To3(output);
      assertThat(output).contains("4. (skipped").doesNotContain("marked STALE").contains("Done.");
      assertThat(run.err()).doesNotContain("could not deregister");

      assertThat(client.services()).as("services left in the agent").isEmpty();
      assertThat(client.catalogServices(null).contains(DemoCommand.SERVICE)).as("left in the catalog").isFalse();
    }
  }

  @Test
  void dnsWithoutConsulIsAUsageError() {
    Run run = demo("--dns=127.0.0.1:8600");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("--dns goes with --consul").hasLineCount(1);
  }

  private static void assertSteps1To3(String output) {
    // 30 requests, round robin over three backends: exactly 10 each.
    assertThat(output).contains("backend-1: 10").contains("backend-2: 10").contains("backend-3: 10");
    // After the crash, backend-2 no longer receives requests and nothing failed.
    Matcher after = Pattern.compile("10 more requests: \\{(.*)}").matcher(output);
    assertThat(after.find()).as(output).isTrue();
    assertThat(after.group(1)).doesNotContain("backend-2").doesNotContain("error").contains("backend-1", "backend-3");
    assertThat(output).containsPattern("The frontend.s view changed (within 10 ms of Consul reporting|\\d+ ms after Consul reported)"
        + " the expiry");
  }
}
