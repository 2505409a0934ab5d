package dev.discovery.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a test: the printed story must be the one the issue promises. */
class DemoTest {

  @Test
  void demoDiscoversBalancesEvenlyFailsOverAndServesStaleWhenConsulIsGone() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DemoCommand demo = new DemoCommand();
    demo.frontendDiscovery = "http";
    demo.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    int exit = demo.call();
    String output = bytes.toString(StandardCharsets.UTF_8);

    assertThat(exit).as(output).isZero();
    assertThat(output).contains("discovered over HTTP").contains("over DNS");
    // 30 requests, round robin over three backends: exactly 10 each.
    assertThat(output).contains("backend-1: 10").contains("backend-2: 10").contains("backend-3: 10");
    // After the crash, backend-2 no longer receives requests and nothing failed.
    Matcher after = Pattern.compile("10 more requests: \\{(.*)}").matcher(output);
    assertThat(after.find()).as(output).isTrue();
    assertThat(after.group(1)).doesNotContain("backend-2").doesNotContain("error").contains("backend-1", "backend-3");
    assertThat(output).containsPattern("The frontend.s view changed -?\\d+ ms after Consul reported the expiry");
    // Consul gone: the cache still answers, marked stale, and requests still succeed.
    assertThat(output).contains("marked STALE");
    Matcher stale = Pattern.compile("5 requests through the frontend: \\{(.*)}").matcher(output);
    assertThat(stale.find()).as(output).isTrue();
    assertThat(stale.group(1)).doesNotContain("error");
    assertThat(output).contains("Done.");
  }
}
