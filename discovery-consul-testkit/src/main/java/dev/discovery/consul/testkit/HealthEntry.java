package dev.discovery.consul.testkit;

import java.util.List;

/** One row of {@code /v1/health/service/:service}: a node, one instance on it, and the checks that apply. */
record HealthEntry(NodeEntry node, ServiceEntry service, List<CheckEntry> checks) {

  /** Consul's {@code FilterIgnore}: true when some check is critical, or, when {@code onlyPassing}, not passing. */
  boolean excludedFromDns(boolean onlyPassing) {
    for (CheckEntry c : checks) {
      if (CheckEntry.CRITICAL.equals(c.status()) || (onlyPassing && !CheckEntry.PASSING.equals(c.status()))) {
        return true;
      }
    }
    return false;
  }

  /** True when every check is exactly "passing" (the HTTP {@code ?passing} filter). */
  boolean allPassing() {
    for (CheckEntry c : checks) {
      if (!CheckEntry.PASSING.equals(c.status())) {
        return false;
      }
    }
    return true;
  }

  boolean anyWarning() {
    for (CheckEntry c : checks) {
      if (CheckEntry.WARNING.equals(c.status())) {
        return true;
      }
    }
    return false;
  }
}
