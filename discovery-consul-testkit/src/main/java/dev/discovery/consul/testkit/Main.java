package dev.discovery.consul.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ConsulTestAgent} standalone as a local development agent, e.g.
 * {@code java -jar discovery-consul-testkit.jar --http-port 8500 --dns-port 8600 --services services.json}.
 * Not a production registry.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  static final String USAGE = String.join("\n",
      "Usage: java -jar discovery-consul-testkit.jar [options]",
      "A local stand-in for a Consul agent (HTTP API subset and DNS) for development and tests.",
      "Not a production registry: nothing is persisted.",
      "",
      "  --bind ADDRESS          address to listen on (default 127.0.0.1)",
      "  --http-port PORT        HTTP API port (default 8500; 0 = any free port)",
      "  --dns-port PORT         DNS port, UDP and TCP (default 8600; 0 = any free port)",
      "  --services FILE         JSON array of service registrations (PUT /v1/agent/service/register bodies)",
      "  --datacenter NAME       datacenter (default dc1)",
      "  --node NAME             node name (default node-<bind address with dashes>)",
      "  --node-address ADDRESS  node address (default: the bind address)",
      "  --domain DOMAIN         DNS domain (default consul.)",
      "  --alt-domain DOMAIN     an additional DNS domain",
      "  --acl-token TOKEN       enable ACLs and accept this token (repeatable); prefer --acl-token-file",
      "  --acl-token-file FILE   enable ACLs and accept the token in this file",
      "  --only-passing          DNS leaves out warning instances too",
      "  --enable-truncate       DNS sets TC when it trims a UDP answer",
      "  --udp-answer-limit N    DNS answers per non-EDNS UDP response (default 3)",
      "  --enable-script-checks  accept script checks (stored, never run)",
      "  --help                  show this help");

  private Main() {}

  /** Starts the agent and runs until the process is stopped. */
  public static void main(String[] args) throws InterruptedException {
    ConsulTestAgent agent;
    try {
      agent = start(args, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println();
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (agent == null) {
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Stopping the Consul test agent");
      agent.close();
      stopped.countDown();
    }, "consul-testkit-shutdown"));
    stopped.await();
  }

  /** Parses {@code args}, starts the agent and loads services; null after {@code --help}. */
  static ConsulTestAgent start(String[] args, PrintStream out) {
    ConsulTestAgent.Builder builder = ConsulTestAgent.builder().httpPort(8500).dnsPort(8600);
    Path services = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--help":
        case "-h":
          out.println(USAGE);
          return null;
        case "--only-passing":
          builder.onlyPassing(true);
          continue;
        case "--enable-truncate":
          builder.enableTruncate(true);
          continue;
        case "--enable-script-checks":
          builder.enableScriptChecks(true);
          continue;
        default:
          break;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + arg + " needs a value");
        }
        value = args[++i];
      }
      switch (arg) {
        case "--bind": builder.bindAddress(value); break;
        case "--http-port": builder.httpPort(port(arg, value)); break;
        case "--dns-port": builder.dnsPort(port(arg, value)); break;
        case "--services": services = Path.of(value); break;
        case "--datacenter": builder.datacenter(value); break;
        case "--node": builder.nodeName(value); break;
        case "--node-address": builder.nodeAddress(value); break;
        case "--domain": builder.domain(value); break;
        case "--alt-domain": builder.altDomain(value); break;
        case "--acl-token": builder.aclToken(value); break;
        case "--acl-token-file": builder.aclToken(readToken(Path.of(value))); break;
        case "--udp-answer-limit": builder.udpAnswerLimit(number(arg, value)); break;
        default: throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    JsonNode preload = services == null ? null : readServices(services);
    ConsulTestAgent agent = builder.start();
    if (preload != null) {
      try {
        int n = 0;
        for (JsonNode service : preload) {
          agent.registerService(service.toString());
          n++;
        }
        log.info("Registered {} services from {}", n, services);
      } catch (IllegalArgumentException e) {
        agent.close();
        throw new IllegalArgumentException(services + ": " + e.getMessage(), e);
      }
    }
    return agent;
  }

  private static JsonNode readServices(Path file) {
    try {
      JsonNode node = Payloads.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (node == null || !node.isArray()) {
        throw new IllegalArgumentException(file + " must hold a JSON array of service registrations "
            + "(bodies of PUT /v1/agent/service/register)");
      }
      for (JsonNode service : node) {
        Payloads.serviceRegistration(service);
      }
      return node;
    } catch (ApiException e) {
      throw new IllegalArgumentException(file + ": invalid service registration: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read services file " + file + ": " + e.getMessage(), e);
    }
  }

  private static String readToken(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read ACL token file " + file + ": " + e.getMessage(), e);
    }
  }

  private static int port(String option, String value) {
    int p = number(option, value);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(option + " must be a port 0..65535, got " + value);
    }
    return p;
  }

  private static int number(String option, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, got " + value);
    }
  }
}
