package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.IpSource;
import dev.discovery.mesos.plan.Names;
import dev.discovery.mesos.plan.PlanOptions;
import dev.discovery.mesos.plan.TaskTag;
import dev.discovery.mesos.zk.ZkUrl;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The command line, checked and converted: everything the bridge needs, or a {@link ConfigException}. */
final class BridgeConfig {
  static final Duration DEFAULT_CONSUL_TIMEOUT = Duration.ofSeconds(10);

  String logLevel;
  boolean logLevelValid;
  Duration refresh;
  ZkUrl zk;
  URI mesos;
  Duration mesosTimeout;
  long mesosMaxStateBytes;
  String mesosAuthorization;
  PlanOptions plan;
  boolean healthcheck;
  String healthcheckIp;
  int healthcheckPort;
  int consulPort;
  URI consulAgent;
  boolean consulSsl;
  /** {@code --consul-ssl-verify=false}: HTTPS without certificate or host name verification. */
  boolean consulSslInsecure;
  Path consulSslCert;
  Path consulSslCacert;
  String consulToken;
  Path consulTokenFile;
  /** {@code --consul-auth}: HTTP basic user and password (possibly empty), or null; never logged. */
  String consulAuthUser;
  String consulAuthPassword;
  Duration consulTimeout;
  boolean dryRun;
  int heartbeatsBeforeRemove;
  boolean leaderElection;
  String leaderElectionPath;
  /** First retry delay for an unreachable agent, doubled per failure up to {@link #agentRetryMax}; not a flag. */
  Duration agentRetryBase = Duration.ofSeconds(5);
  Duration agentRetryMax = Duration.ofMinutes(5);
  /**
   * How long the first pass waits for the first read of ZooKeeper (with --zk) before it reports that no leader is
   * known; not a flag. mesos-consul waited up to 2 minutes and then exited; the bridge waits less and keeps going.
   */
  Duration zkFirstReadWait = Duration.ofSeconds(30);

  /** Checks every flag; the first unusable one is reported. */
  static BridgeConfig from(BridgeCommand c) throws ConfigException {
    BridgeConfig cfg = new BridgeConfig();
    String level = c.logLevel == null ? "" : c.logLevel.trim().toUpperCase(Locale.ROOT);
    cfg.logLevelValid = List.of("DEBUG", "INFO", "WARN", "ERROR").contains(level);
    cfg.logLevel = cfg.logLevelValid ? level : "WARN";

    cfg.refresh = duration("--refresh", c.refresh);
    if (cfg.refresh.isZero()) {
      throw new ConfigException("--refresh", "must be positive, e.g. 1m");
    }
    cfg.mesosTimeout = duration("--mesos-timeout", c.mesosTimeout);
    if (cfg.mesosTimeout.isZero()) {
      throw new ConfigException("--mesos-timeout", "must be positive, e.g. 30s");
    }

    cfg.mesosMaxStateBytes = size("--mesos-max-state-size", c.mesosMaxStateSize, 1024);

    if (!c.mesos.isBlank()) {
      cfg.mesos = httpUrl("--mesos", c.mesos.trim(), "http://host:5050");
    }
    boolean zkNeeded = cfg.mesos == null || c.leaderElection;
    if (c.zk.isBlank()) {
      if (zkNeeded) {
        throw new ConfigException("--zk", "empty; give zk://host:2181/mesos or use --mesos=http://host:5050"
            + (c.leaderElection ? " (--leader-election needs ZooKeeper)" : ""));
      }
    } else {
      try {
        cfg.zk = ZkUrl.parse(c.zk.trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--zk", e.getMessage());
      }
    }
    if (!c.mesosAuth.isEmpty()) {
      if (!c.mesosAuth.contains(":")) {
        throw new ConfigException("--mesos-auth", "expected user:password");
      }
      cfg.mesosAuthorization = "Basic " + Base64.getEncoder().encodeToString(c.mesosAuth.getBytes(StandardCharsets.UTF_8));
    }

    List<IpSource> order;
    try {
      order = IpSource.parseOrder(c.mesosIpOrder);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--mesos-ip-order", e.getMessage());
    }
    List<TaskTag> taskTags = new ArrayList<>();
    for (String t : c.taskTag) {
      try {
        taskTags.add(TaskTag.parse(t));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--task-tag", e.getMessage());
      }
    }
    List<Pattern> shared = new ArrayList<>();
    for (String s : c.sharedServiceName) {
      Pattern p = regex("--shared-service-name", s);
      if (p.matcher("").groupCount() < 1) {
        throw new ConfigException("--shared-service-name", "\"" + s
            + "\" has no capture group; the first group names the service, e.g. (KafkaMesos)-.*");
      }
      shared.add(p);
    }
    if (c.serviceIdPrefix.isBlank() || c.serviceIdPrefix.matches(".*[\\s/?#%].*")) {
      throw new ConfigException("--service-id-prefix", "\"" + c.serviceIdPrefix
          + "\" must be non-empty without spaces, '/', '?', '#' or '%' (it marks what the bridge owns)");
    }
    if (Names.serviceName(c.serviceName, c.groupSeparator).isEmpty()) {
      throw new ConfigException("--service-name", "\"" + c.serviceName
          + "\" has no letter or digit, so it is no Consul service name; use a name such as mesos");
    }
    List<String> serviceTags = new ArrayList<>();
    for (String t : c.serviceTags.split(",")) {
      if (!t.trim().isEmpty()) {
        serviceTags.add(tag("--service-tags", t.trim()));
      }
    }
    for (TaskTag t : taskTags) {
      for (String tag : t.tags()) {
        tag("--task-tag", tag);
      }
    }
    cfg.plan = PlanOptions.builder()
        .serviceIdPrefix(c.serviceIdPrefix)
        .serviceName(c.serviceName)
        .serviceTags(serviceTags)
        .groupSeparator(c.groupSeparator)
        .ipOrder(order)
        .whitelist(joined("--whitelist", c.whitelist))
        .blacklist(joined("--blacklist", c.blacklist))
        .fwWhitelist(joined("--fw-whitelist", c.fwWhitelist))
        .fwBlacklist(joined("--fw-blacklist", c.fwBlacklist))
        .taskTags(taskTags)
        .servicePortLabel(c.servicePortLabel)
        .sharedServiceNames(shared)
        .build();

    cfg.healthcheck = c.healthcheck;
    cfg.healthcheckIp = c.healthcheckIp.trim();
    cfg.healthcheckPort = port("--healthcheck-port", c.healthcheckPort);
    cfg.consulPort = port("--consul-port", c.consulPort);
    if (!c.consulAgent.isBlank()) {
      cfg.consulAgent = httpUrl("--consul-agent", c.consulAgent.trim(), "http://127.0.0.1:8500");
    }
    if (!c.consulAuth.isEmpty()) {
      // As mesos-consul: user[:password], split at the first colon; no colon means an empty password.
      int colon = c.consulAuth.indexOf(':');
      cfg.consulAuthUser = colon < 0 ? c.consulAuth : c.consulAuth.substring(0, colon);
      cfg.consulAuthPassword = colon < 0 ? "" : c.consulAuth.substring(colon + 1);
      if (cfg.consulAuthUser.isEmpty() || c.consulAuth.chars().anyMatch(Character::isISOControl)) {
        // The value itself is not echoed: it holds the password.
        throw new ConfigException("--consul-auth", "expected user[:password] with a non-empty user name and no"
            + " control characters");
      }
    }
    cfg.consulSsl = c.consulSsl;
    cfg.consulSslInsecure = !c.consulSslVerify;
    if (!c.consulSslCacert.isEmpty()) {
      cfg.consulSslCacert = readableFile("--consul-ssl-cacert", c.consulSslCacert);
    }
    if (!c.consulSslCert.isEmpty()) {
      // Without --consul-ssl-cacert the agents' certificates are checked against the JVM's CAs, as Go's
      // system roots were in mesos-consul.
      cfg.consulSslCert = readableFile("--consul-ssl-cert", c.consulSslCert);
    }
    if (!c.consulToken.isEmpty() && !c.consulTokenFile.isEmpty()) {
      throw new ConfigException("--consul-token-file", "give either --consul-token or --consul-token-file, not both");
    }
    if (!c.consulToken.isBlank()) {
      cfg.consulToken = c.consulToken.strip();
    }
    if (!c.consulTokenFile.isEmpty()) {
      cfg.consulTokenFile = readableFile("--consul-token-file", c.consulTokenFile);
      try {
        if (Files.readString(cfg.consulTokenFile).isBlank()) {
          throw new ConfigException("--consul-token-file", cfg.consulTokenFile + " is empty");
        }
      } catch (java.io.IOException e) {
        throw new ConfigException("--consul-token-file", "cannot read " + cfg.consulTokenFile + ": " + e.getMessage());
      }
    }
    String timeout = c.consulTimeout.trim();
    Duration consulTimeout;
    if (timeout.matches("\\d+")) {
      consulTimeout = Duration.ofSeconds(Long.parseLong(timeout));
    } else {
      consulTimeout = duration("--consul-timeout", timeout);
    }
    cfg.consulTimeout = consulTimeout.isZero() ? DEFAULT_CONSUL_TIMEOUT : consulTimeout;
    cfg.dryRun = c.dryRun;
    try {
      cfg.heartbeatsBeforeRemove = Integer.parseInt(c.heartbeatsBeforeRemove.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("--heartbeats-before-remove", "\"" + c.heartbeatsBeforeRemove + "\" is not a number");
    }
    if (cfg.heartbeatsBeforeRemove < 1) {
      throw new ConfigException("--heartbeats-before-remove", "must be at least 1");
    }
    cfg.leaderElection = c.leaderElection;
    cfg.leaderElectionPath = c.leaderElectionPath.trim();
    if (cfg.leaderElection && (!cfg.leaderElectionPath.startsWith("/") || cfg.leaderElectionPath.endsWith("/")
        || cfg.leaderElectionPath.contains("//"))) {
      throw new ConfigException("--leader-election-path", "\"" + c.leaderElectionPath
          + "\" must be an absolute ZooKeeper path such as /discovery-mesos-bridge/leader");
    }
    return cfg;
  }

  /** Warnings to log once at start: settings that work but weaken security. */
  List<String> startupWarnings() {
    List<String> warnings = new ArrayList<>();
    if (consulSslInsecure) {
      boolean https = consulAgent == null ? consulSsl : "https".equalsIgnoreCase(consulAgent.getScheme());
      if (https) {
        warnings.add("--consul-ssl-verify=false: HTTPS to the Consul agents WITHOUT certificate or host name"
            + " verification; anyone on the network path can pose as an agent and read the ACL token."
            + " Pass --consul-ssl-cacert instead.");
      } else {
        warnings.add("--consul-ssl-verify=false has no effect: the Consul agents are reached over plain HTTP"
            + " (add --consul-ssl, or an https --consul-agent)");
      }
    }
    return warnings;
  }

  /** The URL of the Consul agent for a Mesos host (an IP or host name). */
  URI agentUri(String host) {
    if (consulAgent != null) {
      return consulAgent;
    }
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return URI.create((consulSsl ? "https" : "http") + "://" + h + ":" + consulPort);
  }

  private static Duration duration(String flag, String value) throws ConfigException {
    try {
      return GoDuration.parse(value);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigException(flag, e.getMessage());
    }
  }

  /**
   * A size in bytes: digits, optionally followed by KiB, MiB or GiB (K, M and G mean the same; case and a space
   * before the unit do not matter), at least {@code min} bytes.
   */
  static long size(String flag, String value, long min) throws ConfigException {
    var m = Pattern.compile("(\\d{1,19})\\s*([kmg]?)(?:i?b)?", Pattern.CASE_INSENSITIVE)
        .matcher(value == null ? "" : value.strip());
    if (!m.matches()) {
      throw new ConfigException(flag, "\"" + value + "\" is not a size; give bytes or a number with KiB, MiB or GiB,"
          + " e.g. 256MiB");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 0;
    };
    long bytes;
    try {
      long n = Long.parseLong(m.group(1));
      bytes = Math.multiplyExact(n, 1L << shift);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(flag, "\"" + value + "\" is too large");
    }
    if (bytes < min) {
      throw new ConfigException(flag, "\"" + value + "\" is below the minimum of " + min + " bytes");
    }
    return bytes;
  }

  /** A tag travels in Consul's API and DNS names, where whitespace and control characters break queries. */
  private static String tag(String flag, String tag) throws ConfigException {
    for (int i = 0; i < tag.length(); i++) {
      char ch = tag.charAt(i);
      if (Character.isWhitespace(ch) || Character.isISOControl(ch)) {
        throw new ConfigException(flag, "tag \"" + tag + "\" contains whitespace or a control character");
      }
    }
    return tag;
  }

  private static int port(String flag, String value) throws ConfigException {
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(flag, "\"" + value + "\" is not a port (1-65535)");
  }

  private static URI httpUrl(String flag, String value, String example) throws ConfigException {
    try {
      URI u = new URI(value);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getRawUserInfo() == null) {
        return u;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(flag, "\"" + value + "\" is not an http(s) URL with a host, e.g. " + example);
  }

  private static Pattern regex(String flag, String value) throws ConfigException {
    try {
      return Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(flag, "\"" + value + "\" is not a valid regular expression: "
          + e.getDescription() + " near index " + e.getIndex());
    }
  }

  /** mesos-consul joins repeated values with '|'; each is compiled alone first so the error names it. */
  private static Pattern joined(String flag, List<String> values) throws ConfigException {
    if (values.isEmpty()) {
      return null;
    }
    for (String v : values) {
      regex(flag, v);
    }
    return regex(flag, String.join("|", values));
  }

  private static Path readableFile(String flag, String value) throws ConfigException {
    Path p = Path.of(value);
    if (!Files.isRegularFile(p)) {
      throw new ConfigException(flag, p + " does not exist or is not a file");
    }
    if (!Files.isReadable(p)) {
      throw new ConfigException(flag, p + " is not readable by this user");
    }
    return p;
  }
}
