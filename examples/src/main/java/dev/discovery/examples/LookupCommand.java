package dev.discovery.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.discovery.DiscoveryException;
import dev.discovery.HealthFilter;
import dev.discovery.InvalidQueryException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import dev.discovery.consul.ConsulAgent;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lookup SERVICE}: prints a service's healthy instances as the library sees them. Exit codes: 0 at
 * least one instance, 1 none, 2 bad usage, 3 registry unreachable or request refused. Every error is one
 * line on stderr that names the service, the registry and the fix.
 */
@Command(name = "lookup", mixinStandardHelpOptions = true,
    description = "Print the healthy instances of a service, one 'host:port tags' line each, sorted.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:at least one instance", "1:no instance (the message says whether the service is unknown,"
        + " over HTTP)", "2:bad usage", "3:the registry could not be reached or refused the request"})
final class LookupCommand implements Callable<Integer> {
  static final int FOUND = 0;
  static final int NONE = 1;
  static final int UNAVAILABLE = 3;
  /** How often --watch looks at the cache (a memory read, no I/O). */
  private static final Duration WATCH_POLL = Duration.ofMillis(200);

  @Spec CommandSpec spec;
  @Mixin DiscoveryOptions discovery;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "The service's name")
  String service;

  @Option(names = "--tag", paramLabel = "TAG", description = "Required tag (repeatable)")
  List<String> tags = new ArrayList<>();

  @Option(names = "--health", paramLabel = "passing|warning", defaultValue = "passing",
      description = "passing: only passing instances (default); warning: passing and warning")
  String health;

  @Option(names = "--watch", description = "Print the list again at every change, until interrupted")
  boolean watch;

  @Option(names = "--json", description = "Print a JSON array instead of lines")
  boolean json;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
      description = "How long the first answer may take, e.g. 500ms, 10s (default: ${DEFAULT-VALUE})")
  String timeout;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    discovery.validate(spec.commandLine());
    ServiceQuery query;
    Duration loadTimeout;
    try {
      query = DiscoveryOptions.query(service, tags, discovery.datacenter, health);
      loadTimeout = DiscoveryOptions.parseDuration(timeout, "--timeout");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try (ServiceDiscovery registry = discovery.open(loadTimeout)) {
      if (watch) {
        return watch(registry, query, loadTimeout, out, err);
      }
      List<ServiceInstance> instances = registry.instances(query);
      print(out, instances);
      out.flush();
      if (instances.isEmpty()) {
        err.println(noInstance(query));
        return NONE;
      }
      return FOUND;
    } catch (DiscoveryException e) {
      err.println(describeFailure(e));
      return UNAVAILABLE;
    } finally {
      err.flush();
    }
  }

  /** Exit 1's message: over HTTP the catalog tells an unknown service from one with no healthy instance. */
  private String noInstance(ServiceQuery query) {
    String where = discovery.describe();
    String tagged = tags.isEmpty() ? "" : " with tag(s) " + String.join(",", tags);
    String inDc = discovery.datacenter == null ? "" : " in datacenter '" + discovery.datacenter + "'";
    if (discovery.isDns()) {
      return "lookup: no instance of service '" + service + "'" + tagged + inDc + " from " + where
          + "; DNS cannot tell an unknown service from one without a healthy instance"
          + " (use --consul=URL to find out which); check the name, --tag and --dc";
    }
    String accepted = query.health() == HealthFilter.PASSING ? "passing" : "passing or warning";
    try (ConsulAgent agent = discovery.agent()) {
      int registered = agent.catalogInstanceCount(service, discovery.datacenter, tags);
      if (registered > 0) {
        return "lookup: service '" + service + "'" + tagged + inDc + " has " + registered + " instance"
            + (registered == 1 ? "" : "s") + " registered in " + where + " but none is " + accepted
            + "; check the service's health checks"
            + (query.health() == HealthFilter.PASSING ? ", or accept warning ones with --health=warning" : "");
      }
      if (!tags.isEmpty() && agent.catalogInstanceCount(service, discovery.datacenter, List.of()) > 0) {
        return "lookup: service '" + service + "'" + inDc + " is registered in " + where
            + " but no instance has tag(s) " + String.join(",", tags) + "; check --tag";
      }
      return "lookup: service '" + service + "' is unknown to " + where + inDc
          + " (no instance registered, whatever its health); check the name"
          + (discovery.datacenter == null ? " or give its datacenter with --dc" : " and --dc");
    } catch (DiscoveryException | IllegalArgumentException | IllegalStateException e) {
      return "lookup: no " + accepted + " instance of service '" + service + "'" + tagged + inDc + " in " + where
          + ", and its catalog could not be read to tell whether the service is known ("
          + Main.oneLine(String.valueOf(e.getMessage())) + "); check the name, --tag and its health checks";
    }
  }

  private String describeFailure(DiscoveryException e) {
    return describeFailure(e, "");
  }

  /** One line naming the service, the registry and the fix; {@code note} is added to the reason. */
  private String describeFailure(DiscoveryException e, String note) {
    String where = discovery.describe();
    if (isTokenRefusal(e)) {
      return "lookup: " + where + " refused " + discovery.tokenSource() + " for service '" + service
          + "'; give a token with service:read on '" + service + "' and node:read with --token-file=FILE";
    }
    if (e instanceof InvalidQueryException) {
      return "lookup: " + where + " rejected the query for service '" + service + "': "
          + Main.oneLine(String.valueOf(e.getMessage()));
    }
    return "lookup: cannot get service '" + service + "' from " + where + " (" + reason(e) + note + "); "
        + discovery.reachFix();
  }

  /** The most telling part of a failure: the I/O error or time-out underneath, else the backend's message. */
  private static String reason(Throwable e) {
    Throwable t = e;
    while (t instanceof RegistryUnavailableException && t.getCause() != null) {
      t = t.getCause();
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException || c instanceof TimeoutException) {
        return c.getClass().getSimpleName() + ": " + Main.oneLine(String.valueOf(c.getMessage()));
      }
    }
    return withoutAdvice(Objects.toString(t.getMessage(), t.getClass().getSimpleName()));
  }

  /** A library message up to its advice (after "; "), which the tool replaces with its own flag-level fix. */
  private static String withoutAdvice(String message) {
    String line = Main.oneLine(message);
    int advice = line.indexOf("; ");
    return advice > 0 ? line.substring(0, advice) : line;
  }

  /** A 403 arrives as the cause of the failed first load; look down the chain for it. */
  private static boolean isTokenRefusal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidQueryException
          && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("acl token")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Prints the list, then again at every change, until interrupted. Losing the registry is said once on
   * stderr (and every list printed meanwhile is marked STALE), its return once. Exit 3 only when not even a
   * first answer came within the load time-out.
   */
  private int watch(ServiceDiscovery registry, ServiceQuery query, Duration loadTimeout, PrintWriter out,
      PrintWriter err) {
    ServiceSnapshot snapshot;
    long deadline = System.nanoTime() + loadTimeout.toNanos();
    while (true) {
      try {
        snapshot = registry.snapshot(query);
        break;
      } catch (InvalidQueryException e) {
        err.println(describeFailure(e)); // asking again will not change the answer
        return UNAVAILABLE;
      } catch (RegistryUnavailableException e) {
        // The cache keeps retrying in the background: an agent that is still starting may answer soon.
        if (System.nanoTime() - deadline >= 0) {
          err.println(describeFailure(e, "; no answer within --timeout=" + timeout));
          return UNAVAILABLE;
        }
        if (!sleep()) {
          return UNAVAILABLE;
        }
      }
    }
    List<ServiceInstance> shown = null;
    boolean shownStale = false;
    while (true) {
      if (snapshot.stale() != shownStale) {
        err.println(snapshot.stale()
            ? "lookup: lost " + discovery.describe() + " for service '" + service + "' ("
                + withoutAdvice(String.valueOf(snapshot.lastError())) + "); the lists below are the last answer,"
                + " marked STALE, until it answers again; " + discovery.reachFix()
            : "lookup: " + discovery.describe() + " answers again for service '" + service + "'");
        err.flush();
      }
      if (shown == null || !snapshot.instances().equals(shown) || snapshot.stale() != shownStale) {
        int n = snapshot.instances().size();
        out.println("# " + Instant.now() + " " + n + " instance" + (n == 1 ? "" : "s")
            + (snapshot.stale() ? " STALE" : " fresh"));
        print(out, snapshot.instances());
        out.flush();
      }
      shown = snapshot.instances();
      shownStale = snapshot.stale();
      if (!sleep()) {
        return FOUND; // interrupted: the normal end of watching
      }
      snapshot = registry.snapshot(query);
    }
  }

  private static boolean sleep() {
    try {
      Thread.sleep(WATCH_POLL.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void print(PrintWriter out, List<ServiceInstance> instances) {
    List<ServiceInstance> sorted = new ArrayList<>(instances);
    sorted.sort(Comparator.comparing(ServiceInstance::host).thenComparingInt(ServiceInstance::port)
        .thenComparing(ServiceInstance::id));
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      ArrayNode array = mapper.createArrayNode();
      for (ServiceInstance i : sorted) {
        ObjectNode node = array.addObject();
        node.put("id", i.id());
        node.put("service", i.service());
        node.put("host", i.host());
        node.put("port", i.port());
        ArrayNode tagArray = node.putArray("tags");
        new TreeSet<>(i.tags()).forEach(tagArray::add);
        ObjectNode meta = node.putObject("meta");
        new TreeMap<>(i.meta()).forEach(meta::put);
        node.put("weight", i.weight());
        node.put("health", i.health().name().toLowerCase(Locale.ROOT));
      }
      out.println(array.toString());
      return;
    }
    for (ServiceInstance i : sorted) {
      String tagList = String.join(",", new TreeSet<>(i.tags()));
      out.println(tagList.isEmpty() ? i.address() : i.address() + " " + tagList);
    }
  }
}
