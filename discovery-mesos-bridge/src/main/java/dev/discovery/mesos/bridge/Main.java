package dev.discovery.mesos.bridge;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import okhttp3.OkHttpClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import picocli.CommandLine;

/**
 * Entry point of {@code discovery-mesos-bridge.jar}: parses mesos-consul's flags, refuses unusable
 * ones with one line and exit code 2, then runs until stopped.
 */
public final class Main {
  /** Exit code for a flag that cannot work. */
  static final int USAGE = 2;

  private Main() {}

  /** Runs the bridge; returns only for {@code --help}, {@code --version} and bad flags. */
  public static void main(String[] args) {
    PrintStream out = System.out;
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Parsed parsed = parse(args, System.getenv(), new PrintWriter(out, true, StandardCharsets.UTF_8), err);
    if (parsed.exitCode >= 0) {
      System.exit(parsed.exitCode);
    }
    System.exit(run(parsed.config, out, err));
  }

  /** The outcome of reading the command line: a config, or an exit code (help, version, bad flag). */
  record Parsed(BridgeConfig config, int exitCode) {}

  static Parsed parse(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    BridgeCommand command = new BridgeCommand();
    CommandLine cli = new CommandLine(command);
    cli.setDefaultValueProvider(new BridgeCommand.EnvDefaults(env));
    cli.setOut(out);
    cli.setErr(err);
    try {
      CommandLine.ParseResult result = cli.parseArgs(args);
      if (result.isUsageHelpRequested()) {
        // Rendered without the environment: ${DEFAULT-VALUE} would otherwise print a MESOS_CONSUL_* value,
        // and --zk may carry ZooKeeper credentials. --help shows the built-in defaults.
        helpCommandLine().usage(out);
        return new Parsed(null, 0);
      }
      if (result.isVersionHelpRequested()) {
        cli.printVersionHelp(out);
        return new Parsed(null, 0);
      }
    } catch (CommandLine.ParameterException e) {
      err.println("discovery-mesos-bridge: " + oneLine(e.getMessage()) + " (see --help)");
      return new Parsed(null, USAGE);
    }
    try {
      return new Parsed(BridgeConfig.from(command), -1);
    } catch (ConfigException e) {
      err.println("discovery-mesos-bridge: " + oneLine(e.getMessage()));
      return new Parsed(null, USAGE);
    }
  }

  /** The command line whose usage {@code --help} prints: the flags with their built-in defaults only. */
  static CommandLine helpCommandLine() {
    return new CommandLine(new BridgeCommand());
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ').strip();
  }

  private static int run(BridgeConfig cfg, PrintStream out, PrintWriter err) {
    configureLogging(cfg);
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Main.class);
    if (!cfg.logLevelValid) {
      log.warn("--log-level: unknown level; using WARN (valid: DEBUG, INFO, WARN, ERROR)");
    }
    for (String warning : cfg.startupWarnings()) {
      log.warn("{}", warning);
    }
    CuratorFramework zk = null;
    Bridge bridge = null;
    CountDownLatch stopped = new CountDownLatch(1);
    try {
      if (cfg.zk != null && (cfg.mesos == null || cfg.leaderElection)) {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
            .connectString(cfg.zk.connectString())
            .sessionTimeoutMs(30_000).connectionTimeoutMs(15_000)
            .retryPolicy(new ExponentialBackoffRetry(500, 10, 30_000));
        if (cfg.zk.credentials() != null) {
          b.authorization("digest", cfg.zk.credentials().getBytes(StandardCharsets.UTF_8));
        }
        zk = b.build();
        zk.start();
      }
      ConsulAgents agents = ConsulAgentPool.from(cfg);
      bridge = new Bridge(cfg, agents, zk, new OkHttpClient(), out);
      bridge.start();
      log.info("started: {}{}, refresh {}, Consul {}{}", cfg.mesos != null ? "Mesos master " + cfg.mesos
              : "Mesos leader from " + cfg.zk, cfg.leaderElection ? " with leader election" : "",
          cfg.refresh.toMillis() + " ms",
          cfg.consulAgent != null ? "agent " + cfg.consulAgent : "agents on port " + cfg.consulPort,
          cfg.dryRun ? " (dry run: nothing is written)" : "");
      Bridge running = bridge;
      CuratorFramework client = zk;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        running.close();
        if (client != null) {
          client.close();
        }
        stopped.countDown();
      }, "mesos-bridge-shutdown"));
      bridge.schedule();
      stopped.await();
      return 0;
    } catch (IllegalArgumentException e) {
      // Unusable TLS or token files surface here, when the first agent client is built.
      err.println("discovery-mesos-bridge: " + oneLine(e.getMessage()));
      close(bridge, zk);
      return USAGE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close(bridge, zk);
      return 1;
    } catch (Exception e) {
      err.println("discovery-mesos-bridge: cannot start: " + oneLine(e.getMessage()));
      close(bridge, zk);
      return 1;
    }
  }

  private static void close(Bridge bridge, CuratorFramework zk) {
    if (bridge != null) {
      bridge.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  /** slf4j-simple reads its level once, at the first logger: set it before anything logs. */
  private static void configureLogging(BridgeConfig cfg) {
    String level = cfg.logLevel.toLowerCase(Locale.ROOT);
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    if (!level.equals("debug")) {
      // ZooKeeper and Curator narrate every connection at INFO.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "warn");
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", "warn");
    }
  }
}
