package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.testkit.ConsulTestAgent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge's ACL token, from {@code --consul-token-file}, appears in no log line at any level (TRACE included),
 * no exception it logs, no {@code /metrics} output and no printed plan: through passes that register, a pass that
 * the agent refuses for a wrong token, and a dry run.
 */
class TokenNeverLoggedBridgeTest {
  private static final String TOKEN = "5d1c0e7a-bridge-secret-4b2f";
  private static final String WRONG = "0b9e44c2-wrong-secret-77aa";

  @TempDir Path dir;
  private Cluster cluster;
  private ConsulTestAgent secured;
  private final OkHttpClient http = new OkHttpClient();
  private final List<String> captured = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      StringBuilder line = new StringBuilder(String.valueOf(r.getLoggerName())).append(' ')
          .append(r.getMessage()).append(' ').append(java.util.Arrays.toString(r.getParameters()));
      for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
        line.append(" | ").append(t);
      }
      captured.add(line.toString());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Level rootLevel;

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster();
    secured = ConsulTestAgent.builder().aclToken(TOKEN).start();
    Logger root = Logger.getLogger("");
    rootLevel = root.getLevel();
    root.setLevel(Level.ALL);
    capture.setLevel(Level.ALL);
    root.addHandler(capture);
  }

  @AfterEach
  void stop() throws Exception {
    Logger root = Logger.getLogger("");
    root.removeHandler(capture);
    root.setLevel(rootLevel);
    secured.close();
    cluster.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private String run(String tokenFileContent, String... extra) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token-" + captured.size()), tokenFileContent + "\n");
    List<String> args = new ArrayList<>(List.of("--consul-agent=" + secured.httpUri(),
        "--consul-token-file=" + tokenFile));
    args.addAll(List.of(extra));
    BridgeConfig cfg = cluster.config(args.toArray(String[]::new));
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Bridge bridge = new Bridge(cfg, ConsulAgentPool.from(cfg), null, http,
        new PrintStream(printed, true, StandardCharsets.UTF_8))) {
      bridge.start();
      bridge.runPass();
      bridge.runPass();
      return bridge.metrics().render() + "\n" + printed.toString(StandardCharsets.UTF_8) + "\n" + cfg;
    }
  }

  @Test
  void theTokenAppearsInNoLogLineMetricOrPrintedPlan() throws Exception {
    List<String> outputs = new ArrayList<>();
    outputs.add(run(TOKEN));
    try (ConsulAgent reader = ConsulAgent.builder().environment(dev.discovery.consul.ConsulEnvironment.none())
        .uri(secured.httpUri()).token(TOKEN).build()) {
      assertThat(reader.services()).as("the passes with the right token registered the tasks").isNotEmpty();
    }
    outputs.add(run(WRONG));
    outputs.add(run(TOKEN, "--dry-run"));

    assertThat(captured).as("log records captured at ALL").isNotEmpty();
    assertThat(captured).anyMatch(line -> line.contains("ACL") || line.contains("403") || line.contains("refused"));
    for (String line : captured) {
      assertThat(line).doesNotContain(TOKEN).doesNotContain(WRONG).doesNotContain("bridge-secret")
          .doesNotContain("wrong-secret");
    }
    for (String output : outputs) {
      assertThat(output).doesNotContain(TOKEN).doesNotContain(WRONG);
    }
  }
}
