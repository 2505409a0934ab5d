package dev.discovery.consul;

import dev.discovery.internal.Checks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A service instance to register with a Consul agent: name, ID, address, port, tags, meta, weights and
 * checks. Immutable and validated when built: every problem Consul would reject with a 400 (and a few it
 * would silently accept, like a port out of range) fails with an {@link IllegalArgumentException} naming
 * the field.
 *
 * <pre>{@code
 * ServiceRegistration reg = ServiceRegistration.builder("web")
 *     .id("web-1").address("10.0.0.5").port(8080).tags("v2")
 *     .check(CheckDefinition.ttl(Duration.ofSeconds(10)))
 *     .build();
 * }</pre>
 */
public final class ServiceRegistration {

  private final String name;
  private final String id;
  private final String address;
  private final int port;
  private final List<String> tags;
  private final Map<String, String> meta;
  private final int passingWeight;
  private final int warningWeight;
  private final boolean weightsSet;
  private final List<CheckDefinition> checks;
  private final boolean enableTagOverride;

  private ServiceRegistration(Builder b) {
    this.name = b.name;
    this.id = b.id == null ? b.name : b.id;
    this.address = b.address;
    this.port = b.port;
    this.tags = List.copyOf(b.tags);
    this.meta = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.meta));
    this.passingWeight = b.passingWeight;
    this.warningWeight = b.warningWeight;
    this.weightsSet = b.weightsSet;
    this.checks = List.copyOf(b.checks);
    this.enableTagOverride = b.enableTagOverride;
  }

  /** Starts a registration of an instance of {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** An instance of {@code name} at {@code address:port} with no checks, identified by its name. */
  public static ServiceRegistration of(String name, String address, int port) {
    return builder(name).address(address).port(port).build();
  }

  /** A builder holding this registration's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(name).id(id).port(port).tags(tags).meta(meta).enableTagOverride(enableTagOverride);
    if (address != null) {
      b.address(address);
    }
    if (weightsSet) {
      b.weights(passingWeight, warningWeight);
    }
    for (CheckDefinition check : checks) {
      b.check(check);
    }
    return b;
  }

  /** This registration with other checks (same IDs rules apply). */
  ServiceRegistration withChecks(List<CheckDefinition> newChecks) {
    Builder b = toBuilder();
    b.checks.clear();
    newChecks.forEach(b::check);
    return b.build();
  }

  /** The service's name. */
  public String name() {
    return name;
  }

  /** The instance's ID, unique on its agent (defaults to the name). */
  public String id() {
    return id;
  }

  /** The address, or {@code null} to let Consul use the node's address. */
  public String address() {
    return address;
  }

  /** The port, or 0 when the service has none. */
  public int port() {
    return port;
  }

  /** The tags, in registration order. */
  public List<String> tags() {
    return tags;
  }

  /** The metadata. */
  public Map<String, String> meta() {
    return meta;
  }

  /** The weight while passing (default 1). */
  public int passingWeight() {
    return passingWeight;
  }

  /** The weight while warning (default 1). */
  public int warningWeight() {
    return warningWeight;
  }

  /** Whether weights were set explicitly (otherwise they are not sent and Consul's defaults apply). */
  boolean weightsSet() {
    return weightsSet;
  }

  /** The checks. */
  public List<CheckDefinition> checks() {
    return checks;
  }

  /** Whether other agents' anti-entropy may change the tags ({@code EnableTagOverride}). */
  public boolean enableTagOverride() {
    return enableTagOverride;
  }

  /**
   * The IDs the agent gives the checks, in order: the explicit ID, else {@code service:<id>} for a single
   * check and {@code service:<id>:<n>} (1-based) when there are several, as Consul generates them.
   */
  public List<String> checkIds() {
    List<String> ids = new ArrayList<>(checks.size());
    for (int i = 0; i < checks.size(); i++) {
      CheckDefinition c = checks.get(i);
      if (c.id() != null) {
        ids.add(c.id());
      } else if (checks.size() == 1) {
        ids.add("service:" + id);
      } else {
        ids.add("service:" + id + ":" + (i + 1));
      }
    }
    return ids;
  }

  static String checkIdentifier(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '/' || c == '?' || c == '#'
          || c == '%') {
        throw new IllegalArgumentException(field + " '" + value
            + "' must not contain whitespace, '/', '?', '#' or '%' (it travels in URL paths)");
      }
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ServiceRegistration)) {
      return false;
    }
    ServiceRegistration r = (ServiceRegistration) o;
    return name.equals(r.name) && id.equals(r.id) && Objects.equals(address, r.address) && port == r.port
        && tags.equals(r.tags) && meta.equals(r.meta) && passingWeight == r.passingWeight
        && warningWeight == r.warningWeight && weightsSet == r.weightsSet && checks.equals(r.checks)
        && enableTagOverride == r.enableTagOverride;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, id, address, port, tags, meta, passingWeight, warningWeight, checks);
  }

  @Override
  public String toString() {
    return "ServiceRegistration{" + name + " id=" + id + " at " + (address == null ? "<node address>" : address)
        + ":" + port + (tags.isEmpty() ? "" : " tags=" + tags) + (checks.isEmpty() ? "" : " checks=" + checks)
        + "}";
  }

  /** Collects a {@link ServiceRegistration}; {@link #build()} validates the whole. */
  public static final class Builder {
    private final String name;
    private String id;
    private String address;
    private int port;
    private final List<String> tags = new ArrayList<>();
    private final Map<String, String> meta = new LinkedHashMap<>();
    private int passingWeight = 1;
    private int warningWeight = 1;
    private boolean weightsSet;
    private final List<CheckDefinition> checks = new ArrayList<>();
    private boolean enableTagOverride;

    private Builder(String name) {
      this.name = checkIdentifier(name, "service name");
    }

    /** The instance's ID, unique on its agent. Default: the service name (only one instance per agent then). */
    public Builder id(String id) {
      this.id = checkIdentifier(id, "service id");
      return this;
    }

    /**
     * The address clients connect to (an IP or a host name). Default: none, so Consul serves the node's
     * address. {@code 0.0.0.0} and {@code ::} are refused, as Consul does.
     */
    public Builder address(String address) {
      if (address == null || address.isBlank()) {
        throw new IllegalArgumentException("service address must not be blank (omit it to use the node address)");
      }
      String a = address.strip();
      if (a.equals("0.0.0.0") || a.equals("::") || a.equals("[::]")) {
        throw new IllegalArgumentException("service address '" + a
            + "' is a wildcard; give the address clients should connect to");
      }
      if (a.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("service address '" + a + "' must not contain whitespace");
      }
      this.address = a;
      return this;
    }

    /** The port clients connect to, 1..65535 (0, the default, means the service has no port). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("service port must be within 1..65535 (or 0 for none), was " + port);
      }
      this.port = port;
      return this;
    }

    /** Adds tags (duplicates are dropped; see {@link #tags(Collection)}). */
    public Builder tags(String... tags) {
      return tags(java.util.Arrays.asList(tags)); // asList: a null tag gets the message, not an NPE
    }

    /**
     * Adds tags (duplicates are dropped). Consul accepts any non-blank tag, and so does this builder, since the
     * Mesos bridge registers the tags tasks carry; a tag with a comma or whitespace cannot be asked for by a
     * {@link dev.discovery.ServiceQuery}, though.
     */
    public Builder tags(Collection<String> tags) {
      for (String tag : tags) {
        if (tag == null || tag.isBlank()) {
          throw new IllegalArgumentException("service tag must not be blank");
        }
        if (!this.tags.contains(tag)) {
          this.tags.add(tag);
        }
      }
      return this;
    }

    /** Adds one metadata entry; keys are 1..128 of {@code [A-Za-z0-9_-]} and must not start with {@code consul-}. */
    public Builder meta(String key, String value) {
      if (!Checks.isMetaKey(key)) {
        throw new IllegalArgumentException("service meta key '" + key
            + "' must be 1..128 characters of letters, digits, '_' and '-'");
      }
      if (key.startsWith("consul-")) {
        throw new IllegalArgumentException("service meta key '" + key + "' must not start with 'consul-' (reserved)");
      }
      if (value == null || value.length() > 512) {
        throw new IllegalArgumentException("service meta value of '" + key + "' must be at most 512 characters"
            + (value == null ? ", was null" : ""));
      }
      meta.put(key, value);
      if (meta.size() > 64) {
        throw new IllegalArgumentException("service meta must have at most 64 entries");
      }
      return this;
    }

    /** Adds metadata entries (see {@link #meta(String, String)}). */
    public Builder meta(Map<String, String> meta) {
      new java.util.TreeMap<>(meta).forEach(this::meta);
      return this;
    }

    /** The weights clients give this instance while passing ({@code >= 1}) and while warning ({@code >= 0}). */
    public Builder weights(int passing, int warning) {
      if (passing < 1) {
        throw new IllegalArgumentException("service weights.passing must be at least 1, was " + passing);
      }
      if (warning < 0) {
        throw new IllegalArgumentException("service weights.warning must not be negative, was " + warning);
      }
      this.passingWeight = passing;
      this.warningWeight = warning;
      this.weightsSet = true;
      return this;
    }

    /** Adds a check. */
    public Builder check(CheckDefinition check) {
      checks.add(Objects.requireNonNull(check, "check"));
      return this;
    }

    /** Whether tags may be changed by others through the catalog ({@code EnableTagOverride}). Default false. */
    public Builder enableTagOverride(boolean enable) {
      this.enableTagOverride = enable;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if two checks share an ID
     */
    public ServiceRegistration build() {
      ServiceRegistration reg = new ServiceRegistration(this);
      if (new LinkedHashSet<>(reg.checkIds()).size() != reg.checkIds().size()) {
        throw new IllegalArgumentException("service '" + reg.id + "' has two checks with the same check id: "
            + reg.checkIds());
      }
      return reg;
    }
  }
}
