package dev.discovery.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo's command line follows examples/README.md: {@code --help} prints usage and exits 0, bad usage exits 2. */
class SpringDemoArgumentsTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private SpringDemo.Arguments parse(String... args) {
    return SpringDemo.parse(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    for (String help : new String[] {"--help", "-h"}) {
      out.reset();
      SpringDemo.Arguments a = parse(help);
      assertThat(a.exitCode()).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage:").contains("--consul=URL");
      assertThat(err.size()).isZero();
    }
  }

  @Test
  void consulUrlIsTakenAndNothingIsPrinted() {
    SpringDemo.Arguments a = parse("--consul=http://10.0.0.1:8500");
    assertThat(a.exitCode()).isNull();
    assertThat(a.consulUrl()).isEqualTo("http://10.0.0.1:8500");
    assertThat(parse().consulUrl()).as("no argument: the stand-in").isNull();
    assertThat(out.size() + err.size()).isZero();
  }

  @Test
  void badUsageIsOneLineOnStderrWithTheFixAndExitsTwo() {
    assertThat(parse("--port=1").exitCode()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument '--port=1'").contains("--help")
        .hasLineCount(1);
    err.reset();
    assertThat(parse("--consul=").exitCode()).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--consul needs a URL");
    assertThat(out.size()).isZero();
  }
}
