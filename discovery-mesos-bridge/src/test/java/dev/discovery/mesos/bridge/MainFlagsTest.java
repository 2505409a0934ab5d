package dev.discovery.mesos.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.mesos.plan.IpSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.OptionSpec;

class MainFlagsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private Main.Parsed parse(Map<String, String> env, String... args) {
    return Main.parse(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Main.Parsed parse(String... args) {
    return parse(Map.of(), args);
  }

  private void assertRefused(String flag, String problem, String... args) {
    Main.Parsed p = parse(args);
    assertThat(p.exitCode()).as(String.join(" ", args)).isEqualTo(2);
    String text = err.toString();
    assertThat(text.strip()).doesNotContain("\n").startsWith("discovery-mesos-bridge: " + flag)
        .contains(problem);
    err.getBuffer().setLength(0);
  }

  @Test
  void seedMarathonArgsWorkVerbatim() {
    Main.Parsed p = parse("--zk=zk://zookeeper.service:2181/mesos", "--shared-service-name=(KafkaMesos)-.*",
        "--log-level=INFO", "--blacklist=task.*");
    assertThat(p.exitCode()).isEqualTo(-1);
    BridgeConfig c = p.config();
    assertThat(c.zk.connectString()).isEqualTo("zookeeper.service:2181");
    assertThat(c.zk.path()).isEqualTo("/mesos");
    assertThat(c.logLevel).isEqualTo("INFO");
    assertThat(c.plan.blacklist().pattern()).isEqualTo("task.*");
    assertThat(c.plan.sharedServiceNames()).singleElement().extracting(Pattern::pattern)
        .isEqualTo("(KafkaMesos)-.*");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void aClientCertificateWithoutACaFileTrustsTheJvmsCasAsMesosConsulTrustedTheSystemRoots(@TempDir Path dir)
      throws Exception {
    Path pem = Files.writeString(dir.resolve("client.pem"), "certificate and key");
    BridgeConfig c = parse("--consul-ssl", "--consul-ssl-cert=" + pem).config();
    assertThat(c).as(err.toString()).isNotNull();

    dev.discovery.consul.ConsulTls tls = ConsulAgentPool.from(c).tls();
    assertThat(tls.caPem()).as("the JVM's CAs").isNull();
    assertThat(tls.verifies()).isTrue();
    assertThat(tls.mutual()).isTrue();
  }

  @Test
  void defaultsAreMesosConsuls() {
    BridgeConfig c = parse().config();
    assertThat(c.zk.toString()).isEqualTo("zk://127.0.0.1:2181/mesos");
    assertThat(c.refresh).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.logLevel).isEqualTo("WARN");
    assertThat(c.plan.ipOrder()).containsExactly(IpSource.NETINFO, IpSource.MESOS, IpSource.HOST);
    assertThat(c.plan.serviceIdPrefix()).isEqualTo("mesos-consul");
    assertThat(c.plan.serviceName()).isEqualTo("mesos");
    assertThat(c.plan.groupSeparator()).isEmpty();
    assertThat(c.consulPort).isEqualTo(8500);
    assertThat(c.healthcheckPort).isEqualTo(24476);
    assertThat(c.healthcheckIp).isEmpty();
    assertThat(c.heartbeatsBeforeRemove).isEqualTo(1);
    assertThat(c.consulTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.agentUri("10.0.0.40").toString()).isEqualTo("http://10.0.0.40:8500");
    assertThat(c.agentUri("2001:db8::1").toString()).isEqualTo("http://[2001:db8::1]:8500");
  }

  @Test
  void repeatableFiltersJoinAndGoBooleansParse() {
    BridgeConfig c = parse("--whitelist=^a", "--whitelist=^b", "--task-tag=web:http,edge", "--healthcheck",
        "--dry-run=true", "--consul-timeout=3", "--refresh=15s", "--mesos-ip-order=docker,host").config();
    assertThat(c.plan.whitelist().pattern()).isEqualTo("^a|^b");
    assertThat(c.plan.taskTags()).singleElement().satisfies(t -> assertThat(t.tags()).containsExactly("http", "edge"));
    assertThat(c.healthcheck).isTrue();
    assertThat(c.dryRun).isTrue();
    assertThat(c.consulTimeout).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.refresh).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.plan.ipOrder()).containsExactly(IpSource.DOCKER, IpSource.HOST);
  }

  @Test
  void environmentSetsFlagsAndTheCommandLineWins() {
    BridgeConfig c = parse(Map.of("MESOS_CONSUL_ZK", "zk://zk9:2181/m", "MESOS_CONSUL_CONSUL_PORT", "8501",
        "MESOS_CONSUL_DRY_RUN", "true", "MESOS_CONSUL_BLACKLIST", "^x"), "--consul-port=8502").config();
    assertThat(c.zk.connectString()).isEqualTo("zk9:2181");
    assertThat(c.consulPort).isEqualTo(8502);
    assertThat(c.dryRun).isTrue();
    assertThat(c.plan.blacklist().pattern()).isEqualTo("^x");
  }

  @Test
  void helpListsEveryFlagWithDefaultsAndTheEnvironmentScheme() {
    assertThat(parse("--help").exitCode()).isZero();
    String help = out.toString();
    for (String flag : List.of("--zk", "--refresh", "--log-level", "--mesos-ip-order", "--group-separator",
        "--healthcheck", "--healthcheck-ip", "--healthcheck-port", "--whitelist", "--blacklist", "--fw-whitelist",
        "--fw-blacklist", "--task-tag", "--service-name", "--service-tags", "--service-id-prefix",
        "--service-port-label", "--consul-port", "--consul-auth", "--consul-ssl", "--consul-ssl-verify",
        "--consul-ssl-cert", "--consul-ssl-cacert", "--consul-token", "--consul-timeout", "--dry-run",
        "--heartbeats-before-remove", "--shared-service-name", "--mesos", "--consul-token-file", "--consul-agent",
        "--leader-election", "--mesos-max-state-size", "--version")) {
      assertThat(help).contains(flag);
    }
    assertThat(help).contains("Default: zk://127.0.0.1:2181/mesos").contains("Default: netinfo,mesos,host")
        .contains("Default: 24476").contains("MESOS_CONSUL_");
  }

  @Test
  void helpStatesTheDefaultOfEveryOption() {
    assertThat(parse("--help").exitCode()).isZero();
    List<String> lines = out.toString().lines().toList();
    // picocli puts an option's names at column 2 ("  -h, --help") or 6 ("      --zk=URL"); the lines up to
    // the next option (or the blank line before the footer) are its description.
    Pattern optionStart = Pattern.compile("^  (?:-\\w, |    )(--[a-z-]+)");
    List<String> checked = new ArrayList<>();
    for (OptionSpec option : Main.helpCommandLine().getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue; // --help and --version take no value
      }
      StringBuilder block = null;
      for (String line : lines) {
        Matcher m = optionStart.matcher(line);
        boolean startsAnOption = m.find();
        if (block != null && (startsAnOption || line.isBlank())) {
          break;
        }
        if (startsAnOption && m.group(1).equals(option.longestName())) {
          block = new StringBuilder();
        }
        if (block != null) {
          block.append(line.strip()).append(' ');
        }
      }
      assertThat(block).as(option.longestName() + " in --help").isNotNull();
      assertThat(block.toString()).as(option.longestName() + " says its default (or what happens without it)")
          .containsPattern("Default: [^.\\s]")
          .doesNotContain("${");
      checked.add(option.longestName());
    }
    assertThat(checked).contains("--zk", "--mesos", "--whitelist", "--consul-token", "--consul-ssl-cert",
        "--leader-election-path");
  }

  @Test
  void helpPrintsNoSecretFromTheEnvironment() {
    Map<String, String> env = Map.of("MESOS_CONSUL_CONSUL_TOKEN", "tok-0a1b2c", "MESOS_CONSUL_CONSUL_AUTH",
        "ops:consul-pw-9", "MESOS_CONSUL_MESOS_AUTH", "ops:mesos-pw-8", "MESOS_CONSUL_ZK",
        "zk://ops:zk-pw-7@zk9:2181/mesos");
    assertThat(parse(env, "--help").exitCode()).isZero();
    assertThat(out.toString()).contains("--consul-token", "--consul-auth", "--mesos-auth")
        .contains("Default: zk://127.0.0.1:2181/mesos")
        .doesNotContain("tok-0a1b2c").doesNotContain("consul-pw-9").doesNotContain("mesos-pw-8")
        .doesNotContain("zk-pw-7");
  }

  @Test
  void badFlagsRefuseToStartWithOneLineNamingTheFlag(@TempDir Path dir) throws Exception {
    assertRefused("--blacklist", "not a valid regular expression", "--blacklist=task(");
    assertRefused("--shared-service-name", "not a valid regular expression", "--shared-service-name=(Kafka");
    assertRefused("--shared-service-name", "no capture group", "--shared-service-name=Kafka.*");
    assertRefused("--zk", "no path", "--zk=zk://zookeeper.service:2181");
    assertRefused("--zk", "zk://", "--zk=zookeeper.service:2181/mesos");
    assertRefused("--mesos-ip-order", "unknown entry \"container\"", "--mesos-ip-order=netinfo,container");
    assertRefused("--consul-token-file", "does not exist", "--consul-token-file=" + dir.resolve("nope"));
    Path empty = Files.createFile(dir.resolve("empty"));
    assertRefused("--consul-token-file", "is empty", "--consul-token-file=" + empty);
    assertRefused("--refresh", "not a duration", "--refresh=soon");
    assertRefused("--consul-port", "not a port", "--consul-port=http");
    assertRefused("--task-tag", "exactly one colon", "--task-tag=web");
    assertRefused("--heartbeats-before-remove", "at least 1", "--heartbeats-before-remove=0");
    assertRefused("--mesos", "not an http(s) URL", "--mesos=zk://x/y");
    assertRefused("--consul-auth", "non-empty user", "--consul-auth=:pw-123");
    assertRefused("Unknown option", "--nope", "--nope=1");
    assertRefused("--fw-whitelist", "\"[marathon\" is not a valid regular expression", "--fw-whitelist=[marathon");
    assertRefused("--fw-blacklist", "\"*\" is not a valid regular expression", "--fw-blacklist=*");
    assertRefused("--whitelist", "\"a{2,1}\" is not a valid regular expression", "--whitelist=^ok",
        "--whitelist=a{2,1}");
    assertRefused("--healthcheck-port", "\"65536\" is not a port", "--healthcheck-port=65536");
    assertRefused("--consul-port", "\"0\" is not a port", "--consul-port=0");
    assertRefused("--service-name", "\"!!!\" has no letter or digit", "--service-name=!!!");
    assertRefused("--service-tags", "tag \"b c\" contains whitespace", "--service-tags=a,b c");
    assertRefused("--task-tag", "tag \"x\ty\" contains whitespace", "--task-tag=web:x\ty");
    assertRefused("--mesos-max-state-size", "\"lots\" is not a size", "--mesos-max-state-size=lots");
    assertRefused("--mesos-max-state-size", "\"-1\" is not a size", "--mesos-max-state-size=-1");
    assertRefused("--mesos-max-state-size", "\"512\" is below the minimum of 1024 bytes",
        "--mesos-max-state-size=512");
    assertRefused("--mesos-max-state-size", "\"99999999999GiB\" is too large", "--mesos-max-state-size=99999999999GiB");
  }

  @Test
  void maxStateSizeTakesBytesOrBinaryUnitsFromTheFlagOrTheEnvironment() {
    assertThat(parse().config().mesosMaxStateBytes).isEqualTo(256L << 20);
    assertThat(parse("--mesos-max-state-size=4096").config().mesosMaxStateBytes).isEqualTo(4096);
    assertThat(parse("--mesos-max-state-size=64KiB").config().mesosMaxStateBytes).isEqualTo(64L << 10);
    assertThat(parse("--mesos-max-state-size=1 gib").config().mesosMaxStateBytes).isEqualTo(1L << 30);
    assertThat(parse("--mesos-max-state-size=512M").config().mesosMaxStateBytes).isEqualTo(512L << 20);
    assertThat(parse(Map.of("MESOS_CONSUL_MESOS_MAX_STATE_SIZE", "2MiB")).config().mesosMaxStateBytes)
        .isEqualTo(2L << 20);
  }

  @Test
  void consulAuthAndSslVerifyWorkAsInMesosConsul(@TempDir Path dir) throws Exception {
    BridgeConfig c = parse("--consul-auth=ops:pa:ss", "--consul-ssl", "--consul-ssl-verify=false").config();
    assertThat(c.consulAuthUser).isEqualTo("ops");
    assertThat(c.consulAuthPassword).isEqualTo("pa:ss"); // split at the first colon, as mesos-consul
    assertThat(c.consulSslInsecure).isTrue();
    assertThat(c.startupWarnings()).singleElement().asString().startsWith("--consul-ssl-verify=false")
        .contains("WITHOUT certificate or host name verification");

    BridgeConfig userOnly = parse(Map.of("MESOS_CONSUL_CONSUL_AUTH", "ops")).config();
    assertThat(userOnly.consulAuthUser).isEqualTo("ops");
    assertThat(userOnly.consulAuthPassword).isEmpty();
    assertThat(userOnly.consulSslInsecure).isFalse();
    assertThat(userOnly.startupWarnings()).isEmpty();

    assertThat(parse("--consul-ssl-verify=false").config().startupWarnings()).singleElement().asString()
        .contains("no effect");
    // No verification needs no CA, so a client certificate alone is accepted then.
    Path pem = Files.writeString(dir.resolve("client.pem"), "pem");
    assertThat(parse("--consul-ssl", "--consul-ssl-verify=false", "--consul-ssl-cert=" + pem).config().consulSslCert)
        .isEqualTo(pem);
    assertThat(err.toString()).isEmpty();
    assertRefused("--consul-auth", "control characters", "--consul-auth=ops:pa\tss-123");
    assertThat(err.toString()).doesNotContain("ss-123");
  }

  @Test
  void consulTimeoutZeroMeansTheDefaultNeverUnbounded() {
    assertThat(parse("--consul-timeout=0").config().consulTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("--consul-timeout=1m").config().consulTimeout).isEqualTo(Duration.ofMinutes(1));
    assertThat(parse(Map.of("MESOS_CONSUL_CONSUL_TIMEOUT", "7")).config().consulTimeout).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void tokenFileIsAcceptedAndTokenIsNeverEchoed(@TempDir Path dir) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cr3t-token\n");
    BridgeConfig c = parse("--consul-token-file=" + token).config();
    assertThat(c.consulTokenFile).isEqualTo(token);
    assertRefused("--consul-token-file", "not both", "--consul-token=s3cr3t-token", "--consul-token-file=" + token);
    assertThat(err.toString()).doesNotContain("s3cr3t");
  }
}
