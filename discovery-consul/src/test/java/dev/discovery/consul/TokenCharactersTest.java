package dev.discovery.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token with a character OkHttp would refuse in a header is refused where it enters, from every source, with
 * a message that names the source and never any part of the token (OkHttp's own message would quote it whole).
 */
class TokenCharactersTest {
  private static final String HEAD = "Zq7Wx-Pk3Jm";
  private static final String TAIL = "Vt9Rn-Lc5Hb";
  private static final URI AGENT = URI.create("http://127.0.0.1:1");

  /** Tokens as a user might paste or save them by mistake, with what the message should say. */
  private static final List<String[]> BAD = List.of(
      new String[] {"\uFEFF" + HEAD + TAIL, "byte order mark"},
      new String[] {HEAD + TAIL + "\nsecond-line", "line break"},
      new String[] {HEAD + "\u00A0" + TAIL, "non-breaking space"},
      new String[] {HEAD + "\u0007" + TAIL, "control character"},
      new String[] {HEAD + "\u00E9" + TAIL, "non-ASCII character"});

  @TempDir
  Path dir;

  @Test
  void aBadTokenGivenToTheBuildersIsRefusedWithoutBeingShown() {
    for (String[] bad : BAD) {
      assertRefused(() -> ConsulAgent.builder().uri(AGENT).token(bad[0]), "token(...)", bad);
      assertRefused(() -> ConsulDiscovery.http().agents(AGENT).token(bad[0]), "token(...)", bad);
    }
  }

  @Test
  void aBadTokenFileIsRefusedNamingTheFile() throws Exception {
    int n = 0;
    for (String[] bad : BAD) {
      Path file = Files.writeString(dir.resolve("token" + n++), bad[0] + "\n", StandardCharsets.UTF_8);
      assertRefused(() -> ConsulAgent.builder().uri(AGENT).tokenFile(file).build().close(), file.toString(), bad);
      assertRefused(() -> ConsulDiscovery.http().agents(AGENT).tokenFile(file).build().close(), file.toString(),
          bad);
    }
  }

  @Test
  void aBadTokenInTheEnvironmentIsRefusedNamingTheVariable() throws Exception {
    int n = 0;
    for (String[] bad : BAD) {
      ConsulEnvironment inVariable = ConsulEnvironment.of(Map.of("CONSUL_HTTP_TOKEN", bad[0]));
      assertRefused(() -> ConsulAgent.builder().uri(AGENT).environment(inVariable).build().close(),
          "CONSUL_HTTP_TOKEN", bad);
      assertRefused(() -> ConsulDiscovery.http().agents(AGENT).environment(inVariable).build().close(),
          "CONSUL_HTTP_TOKEN", bad);

      Path file = Files.writeString(dir.resolve("env-token" + n++), bad[0], StandardCharsets.UTF_8);
      ConsulEnvironment inFile = ConsulEnvironment.of(Map.of("CONSUL_HTTP_TOKEN_FILE", file.toString()));
      assertRefused(() -> ConsulAgent.builder().uri(AGENT).environment(inFile).build().close(),
          "CONSUL_HTTP_TOKEN_FILE", bad);
      assertRefused(() -> ConsulDiscovery.http().agents(AGENT).environment(inFile).build().close(),
          "CONSUL_HTTP_TOKEN_FILE", bad);
      assertRefused(() -> ConsulDiscovery.http().agents(AGENT).environment(inFile).build().close(),
          file.toString(), bad);
    }
  }

  @Test
  void aCleanTokenFromAFileIsStrippedAndAccepted() throws Exception {
    Path file = Files.writeString(dir.resolve("good"), "  " + HEAD + TAIL + "\r\n", StandardCharsets.UTF_8);
    try (ConsulAgent agent = ConsulAgent.builder().uri(AGENT).tokenFile(file).build()) {
      assertThat(agent.toString()).contains("token set").doesNotContain(HEAD);
    }
  }

  private interface Attempt {
    void run() throws Exception;
  }

  private static void assertRefused(Attempt attempt, String source, String[] bad) {
    assertThatThrownBy(attempt::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(source)
        .hasMessageContaining(bad[1])
        .hasMessageContaining("visible ASCII")
        .satisfies(e -> assertNoPartOfTheToken(e.getMessage()))
        .satisfies(e -> assertThat(e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage()))
            .satisfies(TokenCharactersTest::assertNoPartOfTheToken));
  }

  /** No four characters in a row of the token's visible part appear in {@code text}. */
  static void assertNoPartOfTheToken(String text) {
    Function<String, Void> check = part -> {
      for (int i = 0; i + 4 <= part.length(); i++) {
        assertThat(text).doesNotContain(part.substring(i, i + 4));
      }
      return null;
    };
    check.apply(HEAD + TAIL);
    check.apply("Qx8Yu-Ww2Ee");
  }
}
