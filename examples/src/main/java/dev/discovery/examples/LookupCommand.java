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
import dev.discovery.Subscription;
import dev.discovery.balance.ServiceHandle;
import dev.discovery.balance.ServiceSelector;
import dev.discovery.balance.ZoneKey;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ServiceCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
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
    description = "Print the healthy instances of a service, one 'host:port tags' line each, sorted (nearest first"
        + " with --near).",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:at least one instance", "1:no instance (the message says whether the service is unknown,"
        + " over HTTP)", "2:bad usage", "3:the registry could not be reached or refused the request"})
final class LookupCommand implements Callable<Integer> {
  static final int FOUND = 0;
  static final int NONE = 1;
  static final int UNAVAILABLE = 3;
  /**
   * How often --watch looks whether the cache lost the registry or has it back (a memory read, no I/O):
   * staleness is no subscription event. The lists themselves come from the subscription, none is skipped.
   */
  private static final Duration STALENESS_POLL = Duration.ofMillis(250);
  /** How long Ctrl-C waits for --watch to close its subscription and finish the list it is printing. */
  private static final Duration CTRL_C_GRACE = Duration.ofSeconds(2);

  @Spec CommandSpec spec;
  /** Opens the registry for a load time-out; tests give an in-memory one instead of Consul. */
  Function<Duration, ServiceDiscovery> openRegistry = loadTimeout -> this.discovery.open(loadTimeout);
  @Mixin DiscoveryOptions discovery;
  /** --filter, --any-tag, --meta, --node-meta, --near. */
  @Mixin SelectionOptions selection;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SERVICE",
      description = "The service's name (or give --prepared-query=NAME instead)")
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

  // ---- datacenter failover and prepared queries (issue 17) ----

  @Option(names = "--failover-dc", split = ",", paramLabel = "DC",
      description = "Fallback datacenters, in order, used while the own one has fewer than --min-healthy instances")
  List<String> failoverDcs = new ArrayList<>();

  @Option(names = "--min-healthy", paramLabel = "N",
      description = "With --failover-dc: fail over while the own datacenter has fewer than N instances (default 1)")
  Integer minHealthy;

  @Option(names = "--prepared-query", paramLabel = "NAME",
      description = "Run the prepared query NAME defined in Consul instead of looking up SERVICE")
  String preparedQuery;

  // ---- zones (issue 17) ----

  @Option(names = "--zone", paramLabel = "ZONE",
      description = "The caller's zone: print each instance's zone and the share of picks a selector in ZONE keeps"
          + " there (needs --zone-key)")
  String zone;

  @Option(names = "--zone-key", paramLabel = "service:KEY|node:KEY",
      description = "Where an instance's zone is written: a service meta key or a node meta key")
  String zoneKey;

  /** The parsed --zone-key, or null. */
  private ZoneKey zoneKeyParsed;

  private void checkZoneFlags() {
    if (zone == null && zoneKey == null) {
      return;
    }
    if (zone == null || zone.isBlank() || zoneKey == null) {
      throw new IllegalArgumentException("--zone and --zone-key go together (for example --zone=eu-west-1a"
          + " --zone-key=service:zone)");
    }
    try {
      zoneKeyParsed = ZoneKey.parse(zoneKey);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--zone-key: " + e.getMessage(), e);
    }
  }

  /** The stderr line saying how a selector in --zone would split its picks over this answer. */
  private String zoneNote(ServiceDiscovery registry, ServiceQuery query, List<ServiceInstance> instances) {
    ServiceSelector selector = ServiceSelector.builder(registry).zone(zone, zoneKeyParsed).build();
    ServiceHandle handle = selector.forQuery(query);
    handle.next();
    double share = handle.localZoneShare().orElse(1.0);
    long mine = instances.stream().filter(i -> zone.equals(zoneKeyParsed.zoneOf(i))).count();
    return String.format(Locale.ROOT, "lookup: a caller in zone '%s' (%s) keeps %.1f%% of its picks there (%d of %d"
        + " instances) and spills %.1f%% over to the other zones", zone, zoneKeyParsed, share * 100, mine,
        instances.size(), (1 - share) * 100);
  }

  /** The datacenter the printed answer came from (ServiceSnapshot.datacenter), for --json; null: the agent's own. */
  private String answeredDatacenter;

  /** The query the flags describe, or a usage error naming the conflicting flags. */
  private ServiceQuery selectedQuery() {
    if (preparedQuery == null) {
      if (service == null) {
        // picocli's own wording, kept now that SERVICE is optional next to --prepared-query.
        throw new IllegalArgumentException(
            "Missing required parameter: 'SERVICE' (or give --prepared-query=NAME)");
      }
      ServiceQuery q = selection.apply(DiscoveryOptions.query(service, tags, discovery.datacenter, health));
      return DiscoveryOptions.withFailover(q, failoverDcs, minHealthy);
    }
    if (service != null) {
      throw new IllegalArgumentException("give SERVICE or --prepared-query=NAME, not both ('" + service + "' and '"
          + preparedQuery + "')");
    }
    if (!tags.isEmpty() || !failoverDcs.isEmpty() || minHealthy != null || !"passing".equalsIgnoreCase(health)) {
      throw new IllegalArgumentException("--tag, --health, --failover-dc and --min-healthy do not apply to"
          + " --prepared-query: its selection and failover are defined in Consul; drop them or change the query there");
    }
    service = preparedQuery; // what messages name
    try {
      return selection.apply(ServiceQuery.preparedQuery(preparedQuery).inDatacenter(discovery.datacenter));
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage(), e); // a selection flag other than --near
    }
  }

  /** Records which datacenter answered, for --json (a memory read once the query has its answer). */
  private void noteDatacenter(ServiceDiscovery registry, ServiceQuery query) {
    try {
      String dc = registry.snapshot(query).datacenter();
      answeredDatacenter = dc != null ? dc : discovery.datacenter;
    } catch (RuntimeException e) {
      answeredDatacenter = discovery.datacenter;
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    discovery.validate(spec.commandLine());
    ServiceQuery query;
    Duration loadTimeout;
    try {
      query = selectedQuery();
      checkZoneFlags();
      loadTimeout = DiscoveryOptions.parseDuration(timeout, "--timeout");
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (discovery.isDns() && selection.notForDns() != null) {
      throw new ParameterException(spec.commandLine(), selection.notForDns() + " does not apply to --dns: a"
          + " Consul DNS name carries one tag and no filter, metadata or sort order; use --consul=URL to query"
          + " over HTTP");
    }
    try (ServiceDiscovery registry = openRegistry.apply(loadTimeout)) {
      if (watch) {
        return watch(registry, query, loadTimeout, out, err);
      }
      List<ServiceInstance> instances = registry.instances(query);
      ServiceSnapshot answered = snapshotOrNull(registry, query);
      fromDisk = answered != null && answered.fromDisk();
      noteDatacenter(registry, query);
      print(out, instances);
      out.flush();
      if (fromDisk) {
        err.println(diskNote(answered));
      }
      if (instances.isEmpty()) {
        err.println(noInstance(query));
        return NONE;
      }
      if (zoneKeyParsed != null) {
        err.println(zoneNote(registry, query, instances));
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
    String tagged = (tags.isEmpty() ? "" : " with tag(s) " + String.join(",", tags)) + selection.describe();
    String inDc = discovery.datacenter == null ? "" : " in datacenter '" + discovery.datacenter + "'";
    if (query.prepared()) {
      return "lookup: the prepared query '" + preparedQuery + "'" + inDc + " found no healthy instance in " + where
          + ", its failover datacenters included; check the query's service and its instances' health checks";
    }
    if (!query.failover().isEmpty()) {
      inDc += " nor in its fallback datacenter(s) " + String.join(",", query.failover());
    }
    if (discovery.isDns()) {
      return "lookup: no instance of service '" + service + "'" + tagged + inDc + " from " + where
          + "; DNS cannot tell an unknown service from one without a healthy instance"
          + " (use --consul=URL to find out which); check the name, --tag and --dc";
    }
    String accepted = query.health() == HealthFilter.PASSING ? "passing" : "passing or warning";
    try (ConsulAgent agent = discovery.agent()) {
      ServiceCatalog catalog = agent.catalogServices(discovery.datacenter);
      if (catalog.contains(service)) {
        // Consul compares tags case-insensitively; the catalog lists the union of the instances' tags.
        Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        known.addAll(catalog.tags(service));
        List<String> missing = tags.stream().filter(t -> !known.contains(t)).collect(Collectors.toList());
        if (!missing.isEmpty()) {
          return "lookup: service '" + service + "'" + inDc + " is registered in " + where
              + " but no instance has tag(s) " + String.join(",", missing) + "; check --tag";
        }
        return "lookup: service '" + service + "'" + inDc + " is registered in " + where + " but none of its instances"
            + tagged + " is " + accepted + "; check the service's health checks"
            + (query.health() == HealthFilter.PASSING ? ", or accept warning ones with --health=warning" : "");
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
   * Prints the list, then again at every change the cache delivers, until interrupted (or Ctrl-C). Losing the
   * registry is said once on stderr (and the list is printed again marked STALE, as is every list printed
   * meanwhile), its return once. Exit 3 only when not even a first answer came within the load time-out.
   */
  private int watch(ServiceDiscovery registry, ServiceQuery query, Duration loadTimeout, PrintWriter out,
      PrintWriter err) {
    long deadline = System.nanoTime() + loadTimeout.toNanos();
    while (true) {
      try {
        registry.snapshot(query); // the first answer, or why there is none
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
    WatchPrinter printer = new WatchPrinter(registry, query, out, err);
    // Ctrl-C runs shutdown hooks, it does not interrupt this thread: the hook does, and waits until the
    // subscription is closed and no list is half printed. It waits on a latch, not for this thread to end,
    // since main() then calls System.exit, which blocks while the hooks run.
    Thread watching = Thread.currentThread();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread onCtrlC = new Thread(() -> {
      watching.interrupt();
      try {
        stopped.await(CTRL_C_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "lookup-watch-stop");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    try {
      try (Subscription subscription = registry.subscribe(query, printer::list)) {
        // Lists come from the subscription; staleness is no subscription event, so it is looked at here.
        while (sleep()) {
          printer.freshness();
        }
        return FOUND; // interrupted: the normal end of watching
      } finally {
        printer.close(); // after the subscription: waits for a list being printed, drops any later delivery
      }
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException e) {
        // shutting down: the hook is what interrupted us
      }
    }
  }

  // ---- answers read from disk (--snapshot-dir) ----

  /** Whether the answer being printed was read back from --snapshot-dir: the "fromDisk" field of --json. */
  private volatile boolean fromDisk;

  private static ServiceSnapshot snapshotOrNull(ServiceDiscovery registry, ServiceQuery query) {
    try {
      return registry.snapshot(query); // a memory read once the query has its answer
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The stderr line saying that an answer came from disk, how old it is, and why. */
  private String diskNote(ServiceSnapshot answered) {
    return "lookup: " + discovery.describe() + " could not be reached for service '" + service + "' ("
        + withoutAdvice(String.valueOf(answered.lastError())) + "); this answer was read from "
        + discovery.snapshotDir + ", confirmed " + answered.age().toSeconds() + " s ago, and may name instances that"
        + " are gone";
  }

  /** The mark of --watch's header line for an answer from disk: its age. */
  private static String diskMark(ServiceSnapshot answered) {
    return answered != null && answered.fromDisk() ? " from-disk age=" + answered.age().toSeconds() + "s" : "";
  }

  private static boolean sleep() {
    try {
      Thread.sleep(STALENESS_POLL.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * What --watch prints, from two threads: every list the subscription delivers (on the library's thread, in
   * order) and the stale/fresh transitions the watching thread finds. One lock keeps each list whole and
   * the marking consistent between them.
   */
  private final class WatchPrinter {
    private final ServiceDiscovery registry;
    private final ServiceQuery query;
    private final PrintWriter out;
    private final PrintWriter err;
    private List<ServiceInstance> shown;
    private boolean shownStale;
    /** {@link #diskMark} of the list shown: empty unless it was read from disk. */
    private String shownDisk = "";
    private boolean closed;

    WatchPrinter(ServiceDiscovery registry, ServiceQuery query, PrintWriter out, PrintWriter err) {
      this.registry = registry;
      this.query = query;
      this.out = out;
      this.err = err;
    }

    /** A list the subscription delivered: the first one, or a change. Each is printed, none skipped. */
    synchronized void list(List<ServiceInstance> instances) {
      if (closed) {
        return;
      }
      ServiceSnapshot now = snapshotOrNull();
      if (now != null && now.stale() != shownStale) {
        sayTransition(now);
      }
      shown = instances;
      shownDisk = diskMark(now);
      fromDisk = !shownDisk.isEmpty();
      noteDatacenter(registry, query);
      printShown();
    }

    /** Marks the last list STALE, or fresh again, when the cache lost the registry or has it back. */
    synchronized void freshness() {
      if (closed) {
        return;
      }
      ServiceSnapshot now = snapshotOrNull();
      if (now == null || now.stale() == shownStale) {
        return;
      }
      sayTransition(now);
      shownDisk = diskMark(now);
      fromDisk = !shownDisk.isEmpty();
      if (shown != null) {
        // The last delivered list, not the snapshot's: a newer one may still be on its way to list(), and
        // printing it here first would print the lists out of order.
        printShown();
      }
    }

    /** After this, nothing more is printed; waits for a list being printed. */
    synchronized void close() {
      closed = true;
    }

    /** Read under the lock, so the two threads cannot print one transition twice or in the wrong order. */
    private ServiceSnapshot snapshotOrNull() {
      try {
        return registry.snapshot(query); // a memory read once the query has its first answer
      } catch (RuntimeException e) {
        return null; // closing: keep the marking as it is
      }
    }

    private void sayTransition(ServiceSnapshot now) {
      shownStale = now.stale();
      err.println(now.stale()
          ? "lookup: lost " + discovery.describe() + " for service '" + service + "' ("
              + withoutAdvice(String.valueOf(now.lastError())) + "); the lists below are the last answer,"
              + " marked STALE, until it answers again; " + discovery.reachFix()
          : "lookup: " + discovery.describe() + " answers again for service '" + service + "'");
      err.flush();
    }

    private void printShown() {
      int n = shown.size();
      out.println("# " + Instant.now() + " " + n + " instance" + (n == 1 ? "" : "s")
          + (shownStale ? " STALE" : " fresh") + shownDisk);
      print(out, shown);
      out.flush();
    }
  }

  private void print(PrintWriter out, List<ServiceInstance> instances) {
    List<ServiceInstance> sorted = new ArrayList<>(instances);
    if (!selection.ordered()) { // with --near, the answer's order is the point: nearest first
      sorted.sort(Comparator.comparing(ServiceInstance::host).thenComparingInt(ServiceInstance::port)
          .thenComparing(ServiceInstance::id));
    }
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
        node.put("fromDisk", fromDisk);
        node.put("datacenter", answeredDatacenter); // null: the agent's own
        if (zoneKeyParsed != null) {
          node.put("zone", zoneKeyParsed.zoneOf(i)); // null: in no zone
        }
      }
      out.println(array.toString());
      return;
    }
    for (ServiceInstance i : sorted) {
      String tagList = String.join(",", new TreeSet<>(i.tags()));
      String line = tagList.isEmpty() ? i.address() : i.address() + " " + tagList;
      out.println(zoneKeyParsed == null ? line : line + " zone=" + zoneKeyParsed.zoneOf(i));
    }
  }
}
