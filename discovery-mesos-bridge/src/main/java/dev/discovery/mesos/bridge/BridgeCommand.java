package dev.discovery.mesos.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The command line: mesos-consul's flags with its names and defaults, plus the bridge's own. Every
 * flag can also come from the environment as {@code MESOS_CONSUL_<FLAG>} (upper case, dashes to
 * underscores); a flag on the command line wins.
 */
@Command(name = "discovery-mesos-bridge", mixinStandardHelpOptions = true, sortOptions = false,
    usageHelpWidth = 120, versionProvider = BridgeCommand.Version.class,
    description = "Registers running Mesos tasks in the Consul agent of each task's host; a drop-in for mesos-consul.",
    footer = {"", "Every flag can also be set by the environment variable MESOS_CONSUL_<FLAG> (upper case, '-' as '_'),",
        "e.g. MESOS_CONSUL_ZK=zk://zk1:2181/mesos or MESOS_CONSUL_CONSUL_TOKEN_FILE=/etc/consul/token.",
        "Such a variable replaces the default shown above (the help never prints environment values).",
        "Repeatable flags take a single value from the environment. Exit code 2: a flag is unusable."})
final class BridgeCommand {
  static final String ENV_PREFIX = "MESOS_CONSUL_";

  @Option(names = "--log-level", defaultValue = "WARN", paramLabel = "LEVEL",
      description = {"DEBUG, INFO, WARN or ERROR; anything else falls back to WARN.", "Default: ${DEFAULT-VALUE}."})
  String logLevel;

  @Option(names = "--refresh", defaultValue = "1m", paramLabel = "DURATION",
      description = {"Time between passes (Go syntax: 15s, 1m).", "Default: ${DEFAULT-VALUE}."})
  String refresh;

  @Option(names = "--zk", defaultValue = "zk://127.0.0.1:2181/mesos", paramLabel = "URL",
      description = {"ZooKeeper URL of the Mesos masters, zk://host:port[,host:port]/path.", "Default: ${DEFAULT-VALUE}."})
  String zk;

  @Option(names = "--mesos", defaultValue = "", paramLabel = "URL",
      description = {"Use this Mesos master (http://host:5050) instead of ZooKeeper; it is followed to the leader.",
          "Default: none (the leader is found through --zk)."})
  String mesos;

  @Option(names = "--mesos-timeout", defaultValue = "30s", paramLabel = "DURATION",
      description = {"Time-out for reading the master state.", "Default: ${DEFAULT-VALUE}."})
  String mesosTimeout;

  @Option(names = "--mesos-max-state-size", defaultValue = "256MiB", paramLabel = "SIZE",
      description = {"Largest master state read (bytes, or with KiB/MiB/GiB); a larger one skips the pass.",
          "Default: ${DEFAULT-VALUE}."})
  String mesosMaxStateSize;

  @Option(names = "--mesos-auth", defaultValue = "", paramLabel = "USER:PASSWORD",
      description = {"HTTP basic credentials for the Mesos master (prefer the environment variable).",
          "Default: none (no authentication)."})
  String mesosAuth;

  @Option(names = "--group-separator", defaultValue = "", paramLabel = "SEP",
      description = {"What '_' in task names becomes; empty removes it.", "Default: empty."})
  String groupSeparator;

  @Option(names = "--mesos-ip-order", defaultValue = "netinfo,mesos,host", paramLabel = "LIST",
      description = {"Sources of a task's IP, first found wins: netinfo, mesos, docker, host.", "Default: ${DEFAULT-VALUE}."})
  String mesosIpOrder;

  @Option(names = "--healthcheck", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Serve /health and /metrics over HTTP.", "Default: ${DEFAULT-VALUE}."})
  boolean healthcheck;

  @Option(names = "--healthcheck-ip", defaultValue = "", paramLabel = "IP",
      description = {"Address for /health; empty means all interfaces.", "Default: empty."})
  String healthcheckIp;

  @Option(names = "--healthcheck-port", defaultValue = "24476", paramLabel = "PORT",
      description = {"Port for /health and /metrics.", "Default: ${DEFAULT-VALUE}."})
  String healthcheckPort;

  @Option(names = "--whitelist", paramLabel = "REGEX",
      description = {"Only register tasks whose sanitised name matches; repeatable (values are joined with |).",
          "Default: none (every task)."})
  List<String> whitelist = new ArrayList<>();

  @Option(names = "--blacklist", paramLabel = "REGEX",
      description = {"Never register tasks whose sanitised name matches; repeatable.", "Default: none."})
  List<String> blacklist = new ArrayList<>();

  @Option(names = "--fw-whitelist", paramLabel = "REGEX",
      description = {"Only register tasks of frameworks whose name matches; repeatable.",
          "Default: none (every framework)."})
  List<String> fwWhitelist = new ArrayList<>();

  @Option(names = "--fw-blacklist", paramLabel = "REGEX",
      description = {"Never register tasks of frameworks whose name matches; repeatable.", "Default: none."})
  List<String> fwBlacklist = new ArrayList<>();

  @Option(names = "--task-tag", paramLabel = "PATTERN:TAG[,TAG]",
      description = {"Tag tasks whose name contains PATTERN (case-insensitive); repeatable.", "Default: none."})
  List<String> taskTag = new ArrayList<>();

  @Option(names = "--shared-service-name", paramLabel = "REGEX",
      description = {"Tasks whose name matches register under the first capture group, e.g. (KafkaMesos)-.*; repeatable.",
          "Default: none (each task under its own name)."})
  List<String> sharedServiceName = new ArrayList<>();

  @Option(names = "--service-name", defaultValue = "mesos", paramLabel = "NAME",
      description = {"Service name of Mesos masters and agents.", "Default: ${DEFAULT-VALUE}."})
  String serviceName;

  @Option(names = "--service-tags", defaultValue = "", paramLabel = "LIST",
      description = {"Comma-separated suffixes for the masters' and agents' role tags (leader.T, master.T ...).",
          "Default: none (plain leader, master, agent, follower)."})
  String serviceTags;

  @Option(names = "--service-id-prefix", defaultValue = "mesos-consul", paramLabel = "PREFIX",
      description = {"Prefix of every service ID; only services with it are ever deregistered.", "Default: ${DEFAULT-VALUE}."})
  String serviceIdPrefix;

  @Option(names = "--service-port-label", defaultValue = "", paramLabel = "LABEL",
      description = {"Task label listing the 0-based indexes of the resource ports to register.", "Default: all ports."})
  String servicePortLabel;

  @Option(names = "--consul", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Accepted for compatibility; Consul is the only registry.", "Default: ${DEFAULT-VALUE}."})
  boolean consul;

  @Option(names = "--consul-port", defaultValue = "8500", paramLabel = "PORT",
      description = {"Port of the Consul agent on every Mesos host.", "Default: ${DEFAULT-VALUE}."})
  String consulPort;

  @Option(names = "--consul-agent", defaultValue = "", paramLabel = "URL",
      description = {"Register everything through this one agent instead of each task host's own agent.",
          "Default: none (the agent at each task host's --consul-port)."})
  String consulAgent;

  @Option(names = "--consul-auth", defaultValue = "", paramLabel = "USER[:PASSWORD]",
      description = {"HTTP basic credentials for the Consul agents (e.g. a proxy in front of them); prefer the environment.",
          "Default: none (no authentication)."})
  String consulAuth;

  @Option(names = "--consul-ssl", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Talk HTTPS to the agents.", "Default: ${DEFAULT-VALUE}."})
  boolean consulSsl;

  @Option(names = "--consul-ssl-verify", arity = "0..1", defaultValue = "true", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Verify the agents' certificates and host names; false accepts any (a warning is logged).",
          "Default: ${DEFAULT-VALUE}."})
  boolean consulSslVerify;

  @Option(names = "--consul-ssl-cert", defaultValue = "", paramLabel = "FILE",
      description = {"Client certificate and unencrypted key (PKCS#8, SEC 1 EC or PKCS#1 RSA) in one PEM file, as mesos-consul.",
          "Default: none (no client certificate)."})
  String consulSslCert;

  @Option(names = "--consul-ssl-cacert", defaultValue = "", paramLabel = "FILE",
      description = {"CA bundle (PEM) that signed the agents' certificates.", "Default: none (the JVM's trusted CAs)."})
  String consulSslCacert;

  @Option(names = "--consul-token", defaultValue = "", paramLabel = "TOKEN",
      description = {"Consul ACL token; visible in ps, prefer --consul-token-file or the environment.",
          "Default: none (no token)."})
  String consulToken;

  @Option(names = "--consul-token-file", defaultValue = "", paramLabel = "FILE",
      description = {"File holding the Consul ACL token.", "Default: none."})
  String consulTokenFile;

  @Option(names = "--consul-timeout", defaultValue = "0", paramLabel = "SECONDS",
      description = {"Time-out of each Consul read or write, in seconds (or a Go duration); 0 means 10 s, never unbounded.",
          "Default: ${DEFAULT-VALUE}."})
  String consulTimeout;

  @Option(names = "--dry-run", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Print the plan and what would change; write nothing to Consul.", "Default: ${DEFAULT-VALUE}."})
  boolean dryRun;

  @Option(names = "--heartbeats-before-remove", defaultValue = "1", paramLabel = "N",
      description = {"Passes a service must be missing from Mesos before it is deregistered.", "Default: ${DEFAULT-VALUE}."})
  String heartbeatsBeforeRemove;

  @Option(names = "--leader-election", arity = "0..1", defaultValue = "false", fallbackValue = "true", paramLabel = "BOOL",
      description = {"Run as one of several bridges; a ZooKeeper leader latch makes one active.", "Default: ${DEFAULT-VALUE}."})
  boolean leaderElection;

  @Option(names = "--leader-election-path", defaultValue = "/discovery-mesos-bridge/leader", paramLabel = "PATH",
      description = {"ZooKeeper path of the leader latch (on the --zk ensemble).", "Default: ${DEFAULT-VALUE}."})
  String leaderElectionPath;

  /** The environment variable that can set an option. */
  static String envName(OptionSpec option) {
    return ENV_PREFIX + option.longestName().replaceFirst("^-+", "").toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Supplies defaults from {@code MESOS_CONSUL_*} environment variables. */
  static final class EnvDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;

    EnvDefaults(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg instanceof OptionSpec o && !o.usageHelp() && !o.versionHelp()) {
        String v = env.get(envName(o));
        if (v != null) {
          return v;
        }
      }
      return null;
    }
  }

  /** Prints the version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = BridgeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"discovery-mesos-bridge " + (v == null ? "(development)" : v)
          + " (flags compatible with mesos-consul v0.4.0)"};
    }
  }
}
