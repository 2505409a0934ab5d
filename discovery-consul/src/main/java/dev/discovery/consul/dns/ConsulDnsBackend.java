package dev.discovery.consul.dns;

import dev.discovery.Health;
import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceInstance;
import dev.discovery.ServiceQuery;
import dev.discovery.spi.Answer;
import dev.discovery.spi.DiscoveryBackend;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers queries from Consul's DNS interface: one SRV question per query name, then A and AAAA questions for
 * targets the SRV reply did not give an address for. Concurrent fetches of the same name, and of the same
 * target, share one question.
 */
final class ConsulDnsBackend implements DiscoveryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulDnsBackend.class);
  /** Bounds the memory of "already warned about" targets; past it, warnings may repeat. */
  private static final int MAX_WARNED = 4096;
  /** Orders endpoints so that an unchanged service gives an equal list although Consul shuffles its replies. */
  private static final Comparator<Endpoint> ORDER = Comparator
      .comparing((Endpoint e) -> e.address() instanceof Inet4Address ? 0 : 1)
      .thenComparing(e -> e.address().getAddress(), Arrays::compareUnsigned)
      .thenComparingInt(Endpoint::port);

  /** Where one instance listens, as DNS tells it. */
  record Endpoint(InetAddress address, int port, int weight) {}

  /** Everything one SRV name resolved to, before it is shaped for a particular query. */
  record Resolution(List<Endpoint> endpoints, Duration ttl) {}

  private final DnsNames names;
  private final DnsClient client;
  private final String description;
  private final ExecutorService executor;
  private final InFlight<Name, Resolution> serviceLookups = new InFlight<>();
  private final InFlight<Name, List<InetAddress>> addressLookups = new InFlight<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final String identity;
  private final ForwarderCacheCheck cacheCheck;

  ConsulDnsBackend(List<InetSocketAddress> servers, Name domain, Name altDomain, String datacenter,
      boolean rfc2782, Transport transport, Duration timeout) {
    this.description = "consul-dns "
        + servers.stream().map(DnsClient::hostPort).collect(Collectors.joining(","));
    this.names = new DnsNames(domain, altDomain, datacenter, rfc2782, description);
    this.identity = description + " domain=" + domain + " dc=" + datacenter;
    this.cacheCheck = new ForwarderCacheCheck(description);
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "consul-dns");
      t.setDaemon(true);
      return t;
    });
    this.client = new DnsClient(servers, timeout, transport, executor);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String name() {
    return "consul-dns";
  }

  /** The servers, the domain and the default datacenter, for telling persisted answers apart. */
  @Override
  public String identity() {
    return identity;
  }

  @Override
  public CompletableFuture<Answer> fetch(ServiceQuery query) {
    List<ServiceQuery> asked;
    List<Name> queryNames = new ArrayList<>();
    try {
      asked = DnsSelection.names(query, description);
      for (ServiceQuery q : asked) {
        queryNames.add(q.prepared() ? names.preparedQueryName(q) : names.serviceName(q));
      }
    } catch (InvalidQueryException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (asked.size() == 1) {
      Name name = queryNames.get(0);
      return serviceLookups.join(name, () -> resolve(name)).thenApply(resolution -> answer(query, resolution));
    }
    // Any-of tags: one name per tag, asked at once; the answers merged.
    List<CompletableFuture<Resolution>> lookups = new ArrayList<>();
    for (Name name : queryNames) {
      lookups.add(serviceLookups.join(name, () -> resolve(name)));
    }
    return CompletableFuture.allOf(lookups.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
      List<Resolution> resolutions = new ArrayList<>();
      for (CompletableFuture<Resolution> lookup : lookups) {
        resolutions.add(lookup.join());
      }
      return merged(query, asked, resolutions);
    });
  }

  /**
   * One answer from the answers to each any-of tag's name: an endpoint found under several names is one
   * instance with each of those tags; the order is the endpoints' usual one; the TTL the shortest given.
   */
  private Answer merged(ServiceQuery query, List<ServiceQuery> perTag, List<Resolution> resolutions) {
    Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    Map<String, Set<String>> tags = new LinkedHashMap<>();
    Duration ttl = null;
    for (int i = 0; i < resolutions.size(); i++) {
      Resolution r = resolutions.get(i);
      String tag = perTag.get(i).tags().iterator().next();
      for (Endpoint e : r.endpoints()) {
        String id = id(e);
        endpoints.putIfAbsent(id, e);
        tags.computeIfAbsent(id, k -> new java.util.TreeSet<>()).add(tag);
      }
      if (r.ttl() != null && (ttl == null || r.ttl().compareTo(ttl) < 0)) {
        ttl = r.ttl();
      }
    }
    List<Endpoint> ordered = new ArrayList<>(endpoints.values());
    ordered.sort(ORDER);
    List<ServiceInstance> instances = new ArrayList<>();
    for (Endpoint e : ordered) {
      String id = id(e);
      instances.add(new ServiceInstance(id, query.service(), e.address().getHostAddress(), e.port(),
          Set.copyOf(tags.get(id)), Map.of(), e.weight(), Health.UNKNOWN));
    }
    return new Answer(instances, ttl);
  }

  /** An instance's id over DNS: {@code host:port}, an IPv6 host in brackets. */
  private static String id(Endpoint e) {
    String host = e.address().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + e.port();
  }

  private CompletableFuture<Resolution> resolve(Name name) {
    return client.ask(name, Type.SRV).thenCompose(reply -> {
      SrvReply srv = SrvReply.read(reply.message(), name, names);
      cacheCheck.inspect(name, srv.targets().size(),
          srv.targets().stream().anyMatch(t -> !t.addresses().isEmpty()), srv.ttl());
      List<CompletableFuture<List<InetAddress>>> lookups = new ArrayList<>();
      for (SrvReply.Target target : srv.targets()) {
        lookups.add(target.addresses().isEmpty()
            ? addressLookups.join(target.name(), () -> addressesOf(target.name()))
            : CompletableFuture.completedFuture(target.addresses()));
      }
      return CompletableFuture.allOf(lookups.toArray(new CompletableFuture<?>[0]))
          .thenApply(done -> endpoints(name, srv, lookups));
    });
  }

  private Resolution endpoints(Name name, SrvReply srv, List<CompletableFuture<List<InetAddress>>> lookups) {
    List<Endpoint> endpoints = new ArrayList<>();
    List<SrvReply.Target> targets = srv.targets();
    for (int i = 0; i < targets.size(); i++) {
      SrvReply.Target target = targets.get(i);
      List<InetAddress> addresses = lookups.get(i).join();
      String key = DnsNames.display(name) + " -> " + DnsNames.display(target.name());
      if (addresses.isEmpty()) {
        if (warned.size() > MAX_WARNED) {
          warned.clear();
        }
        if (warned.add(key)) {
          LOG.warn("{}: SRV target {} (port {}) has no A or AAAA record, neither in the reply nor when asked;"
              + " leaving it out until it has one", description, key, target.port());
        }
        continue;
      }
      warned.remove(key);
      endpoints.add(new Endpoint(addresses.get(0), target.port(), Math.max(1, target.weight())));
    }
    endpoints.sort(ORDER);
    return new Resolution(List.copyOf(endpoints), srv.ttl());
  }

  /**
   * Asks for A and AAAA of a target the SRV reply gave no address for. Empty when the name has neither (a
   * target left out); fails only when neither question could be answered at all.
   */
  private CompletableFuture<List<InetAddress>> addressesOf(Name target) {
    CompletableFuture<List<InetAddress>> a = addressQuestion(target, Type.A);
    CompletableFuture<List<InetAddress>> aaaa = addressQuestion(target, Type.AAAA);
    return a.handle((v4, v4Error) -> aaaa.handle((v6, v6Error) -> {
      List<InetAddress> all = new ArrayList<>();
      if (v4 != null) {
        all.addAll(v4);
      }
      if (v6 != null) {
        all.addAll(v6);
      }
      if (all.isEmpty() && (v4Error != null || v6Error != null)) {
        throw new CompletionException(v4Error != null ? unwrap(v4Error) : unwrap(v6Error));
      }
      return List.copyOf(all);
    })).thenCompose(f -> f);
  }

  private CompletableFuture<List<InetAddress>> addressQuestion(Name target, int type) {
    return client.ask(target, type).thenApply(reply -> {
      Message message = reply.message();
      if (message.getRcode() != Rcode.NOERROR) {
        return List.of(); // NXDOMAIN: the name does not exist
      }
      return SrvReply.addresses(target, message.getSection(Section.ANSWER), new ArrayList<>());
    });
  }

  private List<ServiceInstance> toInstances(ServiceQuery query, Resolution resolution) {
    Map<String, ServiceInstance> byId = new LinkedHashMap<>();
    for (Endpoint e : resolution.endpoints()) {
      String host = e.address().getHostAddress();
      String id = id(e);
      // Tags: DNS only returns instances that carry the query's tag, and cannot say which others they have.
      byId.putIfAbsent(id, new ServiceInstance(
          id, query.service(), host, e.port(), query.tags(), Map.of(), e.weight(), Health.UNKNOWN));
    }
    return List.copyOf(byId.values());
  }

  private Answer answer(ServiceQuery query, Resolution resolution) {
    return new Answer(toInstances(query, resolution), resolution.ttl());
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  /** For tests: how many SRV and address questions are pending. */
  int pendingQuestions() {
    return serviceLookups.size() + addressLookups.size();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return description;
  }
}
