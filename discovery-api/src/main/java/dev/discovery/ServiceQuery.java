package dev.discovery;

import dev.discovery.internal.Checks;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What to look up: a service's name and how to select its instances.
 *
 * <ul>
 *   <li>{@linkplain #withTags tags} every instance must carry, and {@linkplain #withAnyTag tags} of which it must
 *       carry at least one;
 *   <li>{@linkplain #withServiceMeta service metadata} and {@linkplain #withNodeMeta node metadata} it must have;
 *   <li>a registry-side {@linkplain #withFilter filter expression} (Consul's {@code filter} language) and a node to
 *       sort the answer {@linkplain #near near};
 *   <li>the {@linkplain #inDatacenter datacenter} ({@code null} for the agent's own), an ordered list of
 *       {@linkplain #withFailover fallback datacenters} used while it has fewer than
 *       {@linkplain #withMinHealthy a minimum} of instances, and which {@linkplain #withHealth healths} are
 *       acceptable ({@link HealthFilter#PASSING} by default).
 * </ul>
 *
 * <p>Or, instead of a service, a {@linkplain #preparedQuery prepared query} defined in Consul, which brings its own
 * selection and failover: only the datacenter and {@code near} can be set on it.
 *
 * <p>Immutable and validated at construction: a blank or malformed name, a tag or datacenter with a comma or
 * whitespace, a metadata key Consul would refuse, is rejected with an {@link IllegalArgumentException} naming the
 * field. Queries are map keys in the cache, so equality is exact (two queries differing in any of these are two
 * cache entries and two watches) and the hash code is computed once. A backend that cannot apply a selection (DNS
 * has no filter) refuses the query with an {@link InvalidQueryException} rather than ignoring it.
 *
 * <pre>{@code
 * ServiceQuery q = ServiceQuery.of("web").withTags("v2").withServiceMeta("version", "2.1")
 *     .withFailover("dc2", "dc3");
 * }</pre>
 */
public final class ServiceQuery {
  private final String service;
  private final boolean prepared;
  private final Set<String> tags;
  private final Set<String> anyTags;
  private final Map<String, String> serviceMeta;
  private final Map<String, String> nodeMeta;
  private final String filter;
  private final String near;
  private final String datacenter;
  private final List<String> failover;
  private final int minHealthy;
  private final HealthFilter health;
  private final int hash;

  private ServiceQuery(Builder b) {
    this.service = b.service;
    this.prepared = b.prepared;
    this.tags = b.tags;
    this.anyTags = b.anyTags;
    this.serviceMeta = b.serviceMeta;
    this.nodeMeta = b.nodeMeta;
    this.filter = b.filter;
    this.near = b.near;
    this.datacenter = b.datacenter;
    this.failover = b.failover;
    this.minHealthy = b.minHealthy;
    this.health = b.health;
    this.hash = Objects.hash(service, prepared, tags, anyTags, serviceMeta, nodeMeta, filter, near, datacenter,
        failover, minHealthy, health);
  }

  /** A query for the passing instances of {@code service} in the agent's datacenter, with no other selection. */
  public static ServiceQuery of(String service) {
    Builder b = new Builder();
    b.service = checkName(service, "service name");
    return new ServiceQuery(b);
  }

  /**
   * A query that runs the prepared query {@code name} defined in Consul ({@code /v1/query/<name>/execute}, or
   * {@code <name>.query.consul} over DNS). The prepared query says which service, tags, healths and failover
   * datacenters apply, so only {@link #inDatacenter} and {@link #near} may be added.
   */
  public static ServiceQuery preparedQuery(String name) {
    Builder b = new Builder();
    b.service = checkName(name, "prepared query name");
    b.prepared = true;
    return new ServiceQuery(b);
  }

  /** This query, also requiring every given tag (in addition to the ones it already requires). */
  public ServiceQuery withTags(String... tags) {
    return withTags(Arrays.asList(tags));
  }

  /** This query, also requiring every given tag (in addition to the ones it already requires). */
  public ServiceQuery withTags(Collection<String> tags) {
    Builder b = serviceOnly("withTags");
    b.tags = addTags(this.tags, tags, "tag of service '" + service + "'");
    return new ServiceQuery(b);
  }

  /**
   * This query, also accepting an instance only if it carries at least one of the given tags. Called again, the
   * tags are added to the same set: an instance needs one tag of all that were given.
   */
  public ServiceQuery withAnyTag(String... tags) {
    return withAnyTag(Arrays.asList(tags));
  }

  /** See {@link #withAnyTag(String...)}. */
  public ServiceQuery withAnyTag(Collection<String> tags) {
    Builder b = serviceOnly("withAnyTag");
    b.anyTags = addTags(this.anyTags, tags, "any-of tag of service '" + service + "'");
    return new ServiceQuery(b);
  }

  /** This query, also requiring the service metadata {@code key} to equal {@code value} (exactly, case and all). */
  public ServiceQuery withServiceMeta(String key, String value) {
    Builder b = serviceOnly("withServiceMeta");
    b.serviceMeta = putMeta(serviceMeta, key, value, "service meta");
    return new ServiceQuery(b);
  }

  /**
   * This query, also requiring the node metadata {@code key} to equal {@code value}: Consul's {@code node-meta}
   * parameter, applied by the registry.
   */
  public ServiceQuery withNodeMeta(String key, String value) {
    Builder b = serviceOnly("withNodeMeta");
    b.nodeMeta = putMeta(nodeMeta, key, value, "node meta");
    return new ServiceQuery(b);
  }

  /**
   * This query with Consul's {@code filter} expression (for example {@code Service.Meta.version == "2"}), applied
   * by the registry; replaces an earlier one, {@code null} removes it. The expression is checked by Consul: one it
   * rejects fails the lookup with an {@link InvalidQueryException} naming it.
   */
  public ServiceQuery withFilter(String expression) {
    Builder b = serviceOnly("withFilter");
    if (expression != null) {
      Validation.requireNonBlank(expression, "filter of '" + service + "'");
      for (int i = 0; i < expression.length(); i++) {
        if (Character.isISOControl(expression.charAt(i))) {
          throw new IllegalArgumentException("filter of '" + service + "' must not contain control characters");
        }
      }
    }
    b.filter = expression;
    return new ServiceQuery(b);
  }

  /**
   * This query, sorted by estimated round-trip time from {@code node} (a node name, or {@code _agent} for the
   * agent's own node); {@code null} removes it. Balancers that honour order pick the nearest instance first.
   */
  public ServiceQuery near(String node) {
    Builder b = copy();
    b.near = node == null ? null : Validation.requireToken(node, "near node of '" + service + "'");
    return new ServiceQuery(b);
  }

  /** This query, asked of another datacenter; {@code null} means the agent's own. */
  public ServiceQuery inDatacenter(String datacenter) {
    Builder b = copy();
    b.datacenter = datacenter == null ? null : Validation.requireToken(datacenter, "datacenter of '" + service + "'");
    return new ServiceQuery(b);
  }

  /**
   * This query, answered from the first of {@code datacenters} (in order) that has enough instances while its own
   * datacenter has fewer than {@link #minHealthy()}; replaces an earlier list, an empty one removes failover.
   */
  public ServiceQuery withFailover(String... datacenters) {
    return withFailover(Arrays.asList(datacenters));
  }

  /** See {@link #withFailover(String...)}. */
  public ServiceQuery withFailover(List<String> datacenters) {
    Builder b = serviceOnly("withFailover");
    LinkedHashSet<String> dcs = new LinkedHashSet<>();
    for (String dc : datacenters) {
      String checked = Validation.requireToken(dc, "failover datacenter of '" + service + "'");
      if (!dcs.add(checked)) {
        throw new IllegalArgumentException(
            "failover datacenter '" + dc + "' of '" + service + "' is listed twice; list each datacenter once");
      }
    }
    b.failover = List.copyOf(dcs);
    return new ServiceQuery(b);
  }

  /**
   * This query, failing over while its datacenter has fewer than {@code count} instances (1 by default: only when
   * it has none). Has no effect without {@link #withFailover fallback datacenters}.
   */
  public ServiceQuery withMinHealthy(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("minimum healthy instances of '" + service + "' must be at least 1, was "
          + count);
    }
    Builder b = serviceOnly("withMinHealthy");
    b.minHealthy = count;
    return new ServiceQuery(b);
  }

  /** This query with another health filter. */
  public ServiceQuery withHealth(HealthFilter health) {
    Builder b = serviceOnly("withHealth");
    b.health = Objects.requireNonNull(health, "health");
    return new ServiceQuery(b);
  }

  /** The service's name, or the prepared query's name when {@link #prepared()}. */
  public String service() {
    return service;
  }

  /** Whether this runs a prepared query defined in Consul rather than asking for a service. */
  public boolean prepared() {
    return prepared;
  }

  /** The tags every returned instance carries (Consul matches them case-insensitively). */
  public Set<String> tags() {
    return tags;
  }

  /** Tags of which every returned instance carries at least one; empty when there is no such condition. */
  public Set<String> anyTags() {
    return anyTags;
  }

  /** Service metadata every returned instance has, key to exact value; sorted by key. */
  public Map<String, String> serviceMeta() {
    return serviceMeta;
  }

  /** Node metadata every returned instance's node has, key to exact value; sorted by key. */
  public Map<String, String> nodeMeta() {
    return nodeMeta;
  }

  /** The registry-side filter expression, or {@code null}. */
  public String filter() {
    return filter;
  }

  /** The node the answer is sorted near, or {@code null}. */
  public String near() {
    return near;
  }

  /** The datacenter, or {@code null} for the agent's own. */
  public String datacenter() {
    return datacenter;
  }

  /** The fallback datacenters in the order they are tried; empty without failover. */
  public List<String> failover() {
    return failover;
  }

  /** How many instances the query's own datacenter needs before failover stops; 1 by default. */
  public int minHealthy() {
    return minHealthy;
  }

  /** Which healths are acceptable. */
  public HealthFilter health() {
    return health;
  }

  /**
   * Whether an instance satisfies what this query can check on the instance itself: service name, health, tags,
   * any-of tags and service metadata. The registry applies the rest (node metadata, the filter), and a prepared
   * query's whole selection, health included, so every instance it returns matches.
   */
  public boolean matches(ServiceInstance instance) {
    if (prepared) {
      return true;
    }
    if (!health.accepts(instance.health()) || !instance.service().equalsIgnoreCase(service)) {
      return false;
    }
    for (String tag : tags) {
      if (!instance.hasTag(tag)) {
        return false;
      }
    }
    if (!anyTags.isEmpty() && anyTags.stream().noneMatch(instance::hasTag)) {
      return false;
    }
    for (Map.Entry<String, String> m : serviceMeta.entrySet()) {
      if (!m.getValue().equals(instance.meta().get(m.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private Builder copy() {
    Builder b = new Builder();
    b.service = service;
    b.prepared = prepared;
    b.tags = tags;
    b.anyTags = anyTags;
    b.serviceMeta = serviceMeta;
    b.nodeMeta = nodeMeta;
    b.filter = filter;
    b.near = near;
    b.datacenter = datacenter;
    b.failover = failover;
    b.minHealthy = minHealthy;
    b.health = health;
    return b;
  }

  /** A copy to change, refused for a prepared query, whose selection is defined in Consul. */
  private Builder serviceOnly(String method) {
    if (prepared) {
      throw new IllegalStateException(method + " cannot apply to the prepared query '" + service + "': its"
          + " selection and failover are defined in Consul (change the prepared query there, or query the service"
          + " with ServiceQuery.of)");
    }
    return copy();
  }

  private static Set<String> addTags(Set<String> existing, Collection<String> tags, String field) {
    // Sorted, so the same tags in another order make an equal query (one cache entry, one watch).
    TreeSet<String> all = new TreeSet<>(existing);
    for (String tag : tags) {
      all.add(Validation.requireToken(tag, field));
    }
    return Set.copyOf(all);
  }

  private Map<String, String> putMeta(Map<String, String> existing, String key, String value, String field) {
    if (!Checks.isMetaKey(key)) {
      throw new IllegalArgumentException(field + " key '" + key + "' of '" + service + "' must be 1 to 128 ASCII"
          + " letters, digits, dashes or underscores, as Consul requires");
    }
    if (value == null) {
      throw new IllegalArgumentException(field + " value of '" + key + "' must not be null (use \"\" for empty)");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException(field + " value of '" + key + "' must not contain control characters");
      }
    }
    TreeMap<String, String> all = new TreeMap<>(existing);
    all.put(key, value);
    return java.util.Collections.unmodifiableMap(all);
  }

  private static String checkName(String name, String field) {
    Validation.requireNonBlank(name, field);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '/' || c == '?' || c == '#') {
        throw new IllegalArgumentException(
            field + " '" + name + "' must not contain whitespace, '/', '?' or '#'"
                + " (use a DNS-label-like name such as 'web-api')");
      }
    }
    return name;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServiceQuery)) {
      return false;
    }
    ServiceQuery that = (ServiceQuery) o;
    return hash == that.hash
        && service.equals(that.service)
        && prepared == that.prepared
        && tags.equals(that.tags)
        && anyTags.equals(that.anyTags)
        && serviceMeta.equals(that.serviceMeta)
        && nodeMeta.equals(that.nodeMeta)
        && Objects.equals(filter, that.filter)
        && Objects.equals(near, that.near)
        && Objects.equals(datacenter, that.datacenter)
        && failover.equals(that.failover)
        && minHealthy == that.minHealthy
        && health == that.health;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** For messages: the name and every selection that differs from the default, e.g. {@code 'web' tags=[v2]}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(prepared ? "prepared query '" : "'").append(service).append('\'');
    if (!tags.isEmpty()) {
      s.append(" tags=").append(new TreeSet<>(tags));
    }
    if (!anyTags.isEmpty()) {
      s.append(" any-tag=").append(new TreeSet<>(anyTags));
    }
    if (!serviceMeta.isEmpty()) {
      s.append(" meta=").append(serviceMeta);
    }
    if (!nodeMeta.isEmpty()) {
      s.append(" node-meta=").append(nodeMeta);
    }
    if (filter != null) {
      s.append(" filter=").append(filter);
    }
    if (near != null) {
      s.append(" near=").append(near);
    }
    if (datacenter != null) {
      s.append(" dc=").append(datacenter);
    }
    if (!failover.isEmpty()) {
      s.append(" failover=").append(failover);
      if (minHealthy != 1) {
        s.append(" min-healthy=").append(minHealthy);
      }
    }
    if (health != HealthFilter.PASSING) {
      s.append(" health=").append(health.name().toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }

  /** The fields of a query under construction; every public method copies one, changes it, and freezes it. */
  private static final class Builder {
    String service;
    boolean prepared;
    Set<String> tags = Set.of();
    Set<String> anyTags = Set.of();
    Map<String, String> serviceMeta = Map.of();
    Map<String, String> nodeMeta = Map.of();
    String filter;
    String near;
    String datacenter;
    List<String> failover = List.of();
    int minHealthy = 1;
    HealthFilter health = HealthFilter.PASSING;
  }
}
