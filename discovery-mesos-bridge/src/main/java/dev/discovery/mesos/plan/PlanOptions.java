package dev.discovery.mesos.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The flags that shape planning, with mesos-consul's defaults. Immutable; build with
 * {@link #builder()}.
 */
public final class PlanOptions {
  private final String serviceIdPrefix;
  private final String serviceName;
  private final List<String> serviceTags;
  private final String groupSeparator;
  private final List<IpSource> ipOrder;
  private final Pattern whitelist;
  private final Pattern blacklist;
  private final Pattern fwWhitelist;
  private final Pattern fwBlacklist;
  private final List<TaskTag> taskTags;
  private final String servicePortLabel;
  private final List<Pattern> sharedServiceNames;

  private PlanOptions(Builder b) {
    this.serviceIdPrefix = b.serviceIdPrefix;
    this.serviceName = b.serviceName;
    this.serviceTags = List.copyOf(b.serviceTags);
    this.groupSeparator = b.groupSeparator;
    this.ipOrder = List.copyOf(b.ipOrder);
    this.whitelist = b.whitelist;
    this.blacklist = b.blacklist;
    this.fwWhitelist = b.fwWhitelist;
    this.fwBlacklist = b.fwBlacklist;
    this.taskTags = List.copyOf(b.taskTags);
    this.servicePortLabel = b.servicePortLabel;
    this.sharedServiceNames = List.copyOf(b.sharedServiceNames);
  }

  /** A builder holding mesos-consul's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Options with every default. */
  public static PlanOptions defaults() {
    return builder().build();
  }

  /** {@code --service-id-prefix}: every ID starts with this and a colon; it marks what the bridge owns. */
  public String serviceIdPrefix() {
    return serviceIdPrefix;
  }

  /** {@code --service-name}: the service masters and agents register under. */
  public String serviceName() {
    return serviceName;
  }

  /** {@code --service-tags}: suffixes for the host role tags. */
  public List<String> serviceTags() {
    return serviceTags;
  }

  /** {@code --group-separator}: what {@code _} in task names becomes. */
  public String groupSeparator() {
    return groupSeparator;
  }

  /** {@code --mesos-ip-order}. */
  public List<IpSource> ipOrder() {
    return ipOrder;
  }

  /** {@code --whitelist} joined, or null to allow all. */
  public Pattern whitelist() {
    return whitelist;
  }

  /** {@code --blacklist} joined, or null. */
  public Pattern blacklist() {
    return blacklist;
  }

  /** {@code --fw-whitelist} joined, or null. */
  public Pattern fwWhitelist() {
    return fwWhitelist;
  }

  /** {@code --fw-blacklist} joined, or null. */
  public Pattern fwBlacklist() {
    return fwBlacklist;
  }

  /** {@code --task-tag} rules. */
  public List<TaskTag> taskTags() {
    return taskTags;
  }

  /** {@code --service-port-label}, empty for none. */
  public String servicePortLabel() {
    return servicePortLabel;
  }

  /** {@code --shared-service-name} patterns, each with at least one capture group. */
  public List<Pattern> sharedServiceNames() {
    return sharedServiceNames;
  }

  /** Builds {@link PlanOptions}. */
  public static final class Builder {
    private String serviceIdPrefix = "mesos-consul";
    private String serviceName = "mesos";
    private List<String> serviceTags = new ArrayList<>();
    private String groupSeparator = "";
    private List<IpSource> ipOrder = List.of(IpSource.NETINFO, IpSource.MESOS, IpSource.HOST);
    private Pattern whitelist;
    private Pattern blacklist;
    private Pattern fwWhitelist;
    private Pattern fwBlacklist;
    private List<TaskTag> taskTags = new ArrayList<>();
    private String servicePortLabel = "";
    private List<Pattern> sharedServiceNames = new ArrayList<>();

    private Builder() {}

    /** Sets the service ID prefix (default {@code mesos-consul}). */
    public Builder serviceIdPrefix(String prefix) {
      if (prefix == null || prefix.isEmpty()) {
        throw new IllegalArgumentException("service ID prefix must not be empty: it marks what the bridge owns");
      }
      this.serviceIdPrefix = prefix;
      return this;
    }

    /** Sets the masters' and agents' service name (default {@code mesos}). */
    public Builder serviceName(String name) {
      this.serviceName = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Sets the host tag suffixes (default none). */
    public Builder serviceTags(List<String> tags) {
      this.serviceTags = new ArrayList<>(tags);
      return this;
    }

    /** Sets what {@code _} in task names becomes (default empty: removed). */
    public Builder groupSeparator(String separator) {
      this.groupSeparator = Objects.requireNonNull(separator, "separator");
      return this;
    }

    /** Sets the IP source order (default netinfo, mesos, host). */
    public Builder ipOrder(List<IpSource> order) {
      if (order.isEmpty()) {
        throw new IllegalArgumentException("IP order must not be empty");
      }
      this.ipOrder = List.copyOf(order);
      return this;
    }

    /** Sets the task name whitelist, null for none. */
    public Builder whitelist(Pattern p) {
      this.whitelist = p;
      return this;
    }

    /** Sets the task name blacklist, null for none. */
    public Builder blacklist(Pattern p) {
      this.blacklist = p;
      return this;
    }

    /** Sets the framework name whitelist, null for none. */
    public Builder fwWhitelist(Pattern p) {
      this.fwWhitelist = p;
      return this;
    }

    /** Sets the framework name blacklist, null for none. */
    public Builder fwBlacklist(Pattern p) {
      this.fwBlacklist = p;
      return this;
    }

    /** Sets the {@code --task-tag} rules. */
    public Builder taskTags(List<TaskTag> rules) {
      this.taskTags = new ArrayList<>(rules);
      return this;
    }

    /** Sets the label naming which resource ports to register (default empty: all). */
    public Builder servicePortLabel(String label) {
      this.servicePortLabel = Objects.requireNonNull(label, "label");
      return this;
    }

    /** Sets the shared service name patterns; each must have a capture group. */
    public Builder sharedServiceNames(List<Pattern> patterns) {
      for (Pattern p : patterns) {
        if (p.matcher("").groupCount() < 1) {
          throw new IllegalArgumentException("pattern \"" + p.pattern()
              + "\" has no capture group; the first group names the service, e.g. (KafkaMesos)-.*");
        }
      }
      this.sharedServiceNames = new ArrayList<>(patterns);
      return this;
    }

    /** Builds the options. */
    public PlanOptions build() {
      return new PlanOptions(this);
    }
  }
}
