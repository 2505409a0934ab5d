package dev.discovery;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What to look up: a service's name, the tags every instance must carry, the datacenter ({@code null}
 * for the agent's own) and which healths are acceptable ({@link HealthFilter#PASSING} by default).
 *
 * <p>Immutable and validated at construction: a blank or malformed name, a tag or datacenter with a comma or
 * whitespace is rejected with an {@link IllegalArgumentException} naming the field. Queries are map keys in
 * the cache, so equality is exact and the hash code is computed once.
 *
 * <pre>{@code
 * ServiceQuery q = ServiceQuery.of("web").withTags("v2").inDatacenter("dc2");
 * }</pre>
 */
public final class ServiceQuery {
  private final String service;
  private final Set<String> tags;
  private final String datacenter;
  private final HealthFilter health;
  private final int hash;

  private ServiceQuery(String service, Set<String> tags, String datacenter, HealthFilter health) {
    this.service = service;
    this.tags = tags;
    this.datacenter = datacenter;
    this.health = health;
    this.hash = Objects.hash(service, tags, datacenter, health);
  }

  /** A query for the passing instances of {@code service} in the agent's datacenter, with no tag filter. */
  public static ServiceQuery of(String service) {
    return new ServiceQuery(checkServiceName(service), Set.of(), null, HealthFilter.PASSING);
  }

  /** This query, also requiring every given tag (in addition to the ones it already requires). */
  public ServiceQuery withTags(String... tags) {
    return withTags(Arrays.asList(tags));
  }

  /** This query, also requiring every given tag (in addition to the ones it already requires). */
  public ServiceQuery withTags(Collection<String> tags) {
    // Sorted, so the same tags in another order make an equal query (one cache entry, one watch).
    TreeSet<String> all = new TreeSet<>(this.tags);
    for (String tag : tags) {
      all.add(Validation.requireToken(tag, "tag of service '" + service + "'"));
    }
    return new ServiceQuery(service, Set.copyOf(all), datacenter, health);
  }

  /** This query, asked of another datacenter; {@code null} means the agent's own. */
  public ServiceQuery inDatacenter(String datacenter) {
    String dc = datacenter == null ? null : Validation.requireToken(datacenter, "datacenter of '" + service + "'");
    return new ServiceQuery(service, tags, dc, health);
  }

  /** This query with another health filter. */
  public ServiceQuery withHealth(HealthFilter health) {
    return new ServiceQuery(service, tags, datacenter, Objects.requireNonNull(health, "health"));
  }

  /** The service's name. */
  public String service() {
    return service;
  }

  /** The tags every returned instance carries (Consul matches them case-insensitively). */
  public Set<String> tags() {
    return tags;
  }

  /** The datacenter, or {@code null} for the agent's own. */
  public String datacenter() {
    return datacenter;
  }

  /** Which healths are acceptable. */
  public HealthFilter health() {
    return health;
  }

  /** Whether an instance satisfies this query's service name, tags and health. */
  public boolean matches(ServiceInstance instance) {
    if (!instance.service().equalsIgnoreCase(service) || !health.accepts(instance.health())) {
      return false;
    }
    for (String tag : tags) {
      if (!instance.hasTag(tag)) {
        return false;
      }
    }
    return true;
  }

  private static String checkServiceName(String service) {
    Validation.requireNonBlank(service, "service name");
    for (int i = 0; i < service.length(); i++) {
      char c = service.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '/' || c == '?' || c == '#') {
        throw new IllegalArgumentException(
            "service name '" + service + "' must not contain whitespace, '/', '?' or '#'"
                + " (use a DNS-label-like name such as 'web-api')");
      }
    }
    return service;
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
        && tags.equals(that.tags)
        && Objects.equals(datacenter, that.datacenter)
        && health == that.health;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("'").append(service).append('\'');
    if (!tags.isEmpty()) {
      s.append(" tags=").append(new TreeSet<>(tags));
    }
    if (datacenter != null) {
      s.append(" dc=").append(datacenter);
    }
    if (health != HealthFilter.PASSING) {
      s.append(" health=").append(health.name().toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }
}
