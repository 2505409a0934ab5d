package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The module's Marathon app definitions are read as Marathon would hand them to the bridge, and run
 * through {@link Main#parse} (nothing is started): a user moving from mesos-consul keeps the seed's
 * {@code args} array as it is.
 */
class MarathonAppTest {
  /** The seed's mesos-consul {@code args} (issue 6), which must work verbatim. */
  private static final List<String> SEED_ARGS = List.of("--zk=zk://zookeeper.service:2181/mesos",
      "--shared-service-name=(KafkaMesos)-.*", "--log-level=INFO", "--blacklist=task.*");

  private final ObjectMapper json = new ObjectMapper();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private static Path moduleFile(String name) {
    Path file = Path.of(System.getProperty("user.dir")).resolve(name);
    assertThat(file).as("run from the module directory (surefire's default)").isRegularFile();
    return file;
  }

  private Main.Parsed parse(List<String> args, Map<String, String> env) {
    return Main.parse(args.toArray(String[]::new), env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void dockerAppPassesTheSeedsArgsUnchangedAndTheyParseToAValidConfiguration() throws Exception {
    JsonNode app = json.readTree(moduleFile("marathon.json").toFile());
    assertThat(app.has("cmd")).as("Marathon refuses an app with both cmd and args").isFalse();
    assertThat(app.path("container").path("type").asText()).isEqualTo("DOCKER");

    List<String> args = new ArrayList<>();
    app.path("args").forEach(a -> args.add(a.asText()));
    assertThat(args).isEqualTo(SEED_ARGS);
    Map<String, String> env = new HashMap<>();
    app.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));

    Main.Parsed parsed = parse(args, env);
    assertThat(parsed.exitCode()).as(err.toString()).isEqualTo(-1);
    assertThat(err.toString()).isEmpty();
    BridgeConfig c = parsed.config();
    assertThat(c.zk.toString()).isEqualTo("zk://zookeeper.service:2181/mesos");
    assertThat(c.refresh).as("not in the seed's args: mesos-consul's default").isEqualTo(Duration.ofMinutes(1));
    assertThat(c.logLevel).isEqualTo("INFO");
    assertThat(c.plan.blacklist().pattern()).isEqualTo("task.*");
    assertThat(c.plan.sharedServiceNames()).singleElement().extracting(Pattern::pattern)
        .isEqualTo("(KafkaMesos)-.*");

    // The health check reaches the port the bridge listens on inside the container.
    assertThat(c.healthcheck).as("enabled through the app's env, so args stay the seed's").isTrue();
    JsonNode check = app.path("healthChecks").get(0);
    assertThat(check.path("path").asText()).isEqualTo("/health");
    JsonNode mapping = app.path("container").path("portMappings").get(check.path("portIndex").asInt());
    assertThat(mapping.path("containerPort").asInt()).isEqualTo(c.healthcheckPort);
  }

  @Test
  void theImagesEntrypointIsTheJarInExecFormSoMarathonArgsReachTheBridge() throws Exception {
    String dockerfile = Files.readString(moduleFile("Dockerfile"));
    Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT\\s+(\\[.*])\\s*$").matcher(dockerfile);
    assertThat(entrypoint.find()).as("an exec-form ENTRYPOINT; a shell-form one would drop the args").isTrue();
    List<String> command = new ArrayList<>();
    json.readTree(entrypoint.group(1)).forEach(w -> command.add(w.asText()));
    Matcher copy = Pattern.compile("(?m)^COPY\\s+target/discovery-mesos-bridge\\.jar\\s+(\\S+)\\s*$").matcher(dockerfile);
    assertThat(copy.find()).isTrue();
    assertThat(command).startsWith("java").endsWith("-jar", copy.group(1));
  }

  @Test
  void commandVariantRunsTheSameSeedArgsThroughTheShell() throws Exception {
    JsonNode app = json.readTree(moduleFile("marathon-cmd.json").toFile());
    assertThat(app.has("args")).isFalse();
    List<String> words = shellWords(app.path("cmd").asText());
    List<String> flags = words.subList(words.indexOf("-jar") + 2, words.size());
    assertThat(flags).startsWith(SEED_ARGS.toArray(String[]::new))
        .endsWith("--healthcheck", "--healthcheck-port=$PORT0");

    // Mesos sets PORT0 to the host port Marathon reserved for portDefinitions[0].
    List<String> expanded = flags.stream().map(f -> f.replace("$PORT0", "31005")).toList();
    Main.Parsed parsed = parse(expanded, Map.of());
    assertThat(parsed.exitCode()).as(err.toString()).isEqualTo(-1);
    assertThat(parsed.config().zk.toString()).isEqualTo("zk://zookeeper.service:2181/mesos");
    assertThat(parsed.config().healthcheckPort).isEqualTo(31005);
    assertThat(app.path("healthChecks").get(0).path("portIndex").asInt()).isZero();
  }

  /**
   * Splits a {@code sh -c} command line into words: single and double quotes group, and a character the
   * shell would treat specially outside quotes (a glob such as {@code task.*}, or a parenthesis) fails the
   * test, because the shell would change or reject that word.
   */
  private static List<String> shellWords(String cmd) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char ch : cmd.toCharArray()) {
      if (quote != 0) {
        if (ch == quote) {
          quote = 0;
        } else {
          word.append(ch);
        }
      } else if (ch == '\'' || ch == '"') {
        quote = ch;
        word = word == null ? new StringBuilder() : word;
      } else if (Character.isWhitespace(ch)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        assertThat("*?[]()|&;<>").as("unquoted in: " + cmd).doesNotContain(String.valueOf(ch));
        word = (word == null ? new StringBuilder() : word).append(ch);
      }
    }
    assertThat(quote).as("unclosed quote in: " + cmd).isEqualTo((char) 0);
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }
}
