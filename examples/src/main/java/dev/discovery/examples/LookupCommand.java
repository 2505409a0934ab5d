package dev.discovery.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.discovery.DiscoveryException;
import dev.discovery.InvalidQueryException;
import dev.discovery.RegistryUnavailableException;
import dev.discovery.ServiceDiscovery;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.ServiceSnapshot;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lookup SERVICE}: prints a service's healthy instances as the library sees them. Exit codes: 0 at
 * least one instance, 1 none, 2 bad usage, 3 registry unreachable or request refused.
 */
@Command(name = "lookup", mixinStandardHelpOptions = true,
    description = "Print the healthy instances of a service, one 'host:port tags' line each, sorted.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:at least one instance", "1:no instance", "2:bad usage",
        "3:the registry could not be reached or refused the request"})
final class LookupCommand implements Callable<Integer> {
  static final int FOUND = 0;
  static final int NONE = 1;
  static final int UNAVAILABLE = 3;

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

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServiceQuery query;
    try {
      query = DiscoveryOptions.query(service, tags, discovery.datacenter, health);
    } catch (IllegalArgumentException e) {
      err.println("lookup: " + e.getMessage());
      return 2;
    }
    try (ServiceDiscovery registry = discovery.open()) {
      if (watch) {
        return watch(registry, query, out, err);
      }
      List<ServiceInstance> instances = registry.instances(query);
      print(out, instances);
      out.flush();
      if (instances.isEmpty()) {
        err.println("lookup: no healthy instance of " + query + " in " + discovery.describe()
            + " (the service is unknown, or none of its instances passes its checks);"
            + " check the name, the tags and the service's health checks");
        return NONE;
      }
      return FOUND;
    } catch (DiscoveryException e) {
      err.println(describeFailure(e));
      return UNAVAILABLE;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("lookup: " + e.getMessage());
      return 2;
    }
  }

  private String describeFailure(DiscoveryException e) {
    String message = Objects.toString(e.getMessage(), e.getClass().getSimpleName());
    if (isTokenRefusal(e)) {
      return "lookup: " + discovery.describe() + " refused " + discovery.tokenSource() + " for service '"
          + service + "'; give a token with service:read and node:read (--token-file)";
    }
    if (e instanceof RegistryUnavailableException) {
      return "lookup: cannot reach " + discovery.describe() + " for service '" + service + "': "
          + firstLine(message) ;
    }
    return "lookup: " + firstLine(message);
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

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private int watch(ServiceDiscovery registry, ServiceQuery query, PrintWriter out, PrintWriter err) {
    List<ServiceInstance> shown = null;
    Boolean shownStale = null;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        ServiceSnapshot snapshot = registry.snapshot(query);
        if (!snapshot.instances().equals(shown) || !Objects.equals(snapshot.stale(), shownStale)) {
          shown = snapshot.instances();
          shownStale = snapshot.stale();
          out.println("# " + Instant.now() + " " + shown.size() + " instance" + (shown.size() == 1 ? "" : "s")
              + (snapshot.stale() ? " STALE (" + snapshot.lastError() + ")" : " fresh"));
          print(out, shown);
          out.flush();
        }
      } catch (DiscoveryException e) {
        err.println(describeFailure(e));
        err.flush();
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        break; // Ctrl-C or the caller: a normal end of watching
      }
    }
    return FOUND;
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
        new java.util.TreeMap<>(i.meta()).forEach(meta::put);
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
