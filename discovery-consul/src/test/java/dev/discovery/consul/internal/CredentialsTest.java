package dev.discovery.consul.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.discovery.consul.ConsulEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import okhttp3.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token resolution, headers and scrubbing: the same for the discovery backend and {@code ConsulAgent}. */
class CredentialsTest {
  private static final String TOKEN = "6a1f3b1e-0c4d-4e5f-9a8b-7c6d5e4f3a2b";

  @TempDir
  Path dir;

  @Test
  void anExplicitTokenOrFileWinsOverTheEnvironmentAndAnEmptyOneIsNone() throws Exception {
    ConsulEnvironment env = ConsulEnvironment.of(Map.of("CONSUL_HTTP_TOKEN", "from-env"));
    assertThat(Credentials.resolveToken(false, null, null, env)).isEqualTo("from-env");
    assertThat(Credentials.resolveToken(true, TOKEN, null, env)).isEqualTo(TOKEN);
    Path file = Files.writeString(dir.resolve("token"), "  " + TOKEN + "\n");
    assertThat(Credentials.resolveToken(true, null, file, env)).isEqualTo(TOKEN);
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThat(Credentials.resolveToken(true, null, empty, env)).isNull();
  }

  @Test
  void anUnreadableTokenFileNamesTheFileAndTheFix() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> Credentials.resolveToken(true, null, missing, ConsulEnvironment.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString()).hasMessageContaining("permissions");
  }

  @Test
  void aTokenThatCouldSplitAHeaderIsRefusedWithoutBeingShown() {
    assertThatThrownBy(() -> Credentials.checkToken("abc\r\nX-Evil: 1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("abc");
    assertThatThrownBy(() -> Credentials.checkToken("  ")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Credentials.checkToken(" " + TOKEN + " ")).isEqualTo(TOKEN);
  }

  @Test
  void headersCarryTheSecretsAndScrubRemovesEveryOneOfThem() {
    Credentials c = Credentials.of(TOKEN, "proxy-user", "pa55word");
    Request r = c.authorize(new Request.Builder().url("http://127.0.0.1:8500/v1/agent/self")).build();
    assertThat(r.header("X-Consul-Token")).isEqualTo(TOKEN);
    String basic = Base64.getEncoder().encodeToString("proxy-user:pa55word".getBytes(StandardCharsets.UTF_8));
    assertThat(r.header("Authorization")).isEqualTo("Basic " + basic);
    assertThat(r.url().toString()).doesNotContain(TOKEN);

    String echoed = "denied " + TOKEN + " auth=" + basic + " pw=pa55word";
    assertThat(c.scrub(echoed)).doesNotContain(TOKEN).doesNotContain(basic).doesNotContain("pa55word")
        .contains("<token>").contains("<credentials>").contains("<password>");
    assertThat(c.toString()).isEqualTo("token set, basic auth set").doesNotContain(TOKEN);
    assertThat(Credentials.none().scrub(null)).isEmpty();
    assertThat(Credentials.none().authorize(new Request.Builder().url("http://h/")).build().headers().size()).isZero();
  }

  @Test
  void basicAuthFollowsRfc7617() {
    assertThatThrownBy(() -> Credentials.of(null, "a:b", "c")).hasMessageContaining("RFC 7617");
    assertThatThrownBy(() -> Credentials.of(null, "", "c")).hasMessageContaining("non-empty");
    assertThatThrownBy(() -> Credentials.of(null, "u", "p\n")).hasMessageContaining("control characters");
  }
}
