package dev.discovery.consul.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a check is run (Consul's {@code HealthCheckDefinition}). Zero durations and empty strings mean "not set",
 * as Go's zero values do.
 */
record CheckDefinition(
    String http,
    String method,
    Map<String, List<String>> header,
    String body,
    String tlsServerName,
    boolean tlsSkipVerify,
    String tcp,
    String udp,
    String grpc,
    boolean grpcUseTls,
    String h2ping,
    List<String> scriptArgs,
    String dockerContainerId,
    String shell,
    String aliasNode,
    String aliasService,
    Duration interval,
    Duration timeout,
    Duration ttl,
    Duration deregisterCriticalServiceAfter) {

  static final CheckDefinition EMPTY = new CheckDefinition("", "", Map.of(), "", "", false, "", "", "", false, "",
      List.of(), "", "", "", "", Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

  boolean isScript() {
    return !scriptArgs.isEmpty();
  }

  boolean isAlias() {
    return !aliasNode.isEmpty() || !aliasService.isEmpty();
  }

  boolean intervalCheck() {
    return isScript() || !http.isEmpty() || !tcp.isEmpty() || !udp.isEmpty() || !grpc.isEmpty()
        || !h2ping.isEmpty();
  }

  /** Consul's {@code CheckType.Type()} string. */
  String type() {
    if (!ttl.isZero()) {
      return "ttl";
    } else if (!http.isEmpty()) {
      return "http";
    } else if (!tcp.isEmpty()) {
      return "tcp";
    } else if (!udp.isEmpty()) {
      return "udp";
    } else if (!grpc.isEmpty()) {
      return "grpc";
    } else if (!h2ping.isEmpty()) {
      return "h2ping";
    } else if (!dockerContainerId.isEmpty()) {
      return "docker";
    } else if (isScript()) {
      return "script";
    } else if (isAlias()) {
      return "alias";
    }
    return "";
  }

  /** Consul's {@code CheckType.Validate()} (the caller prefixes "Invalid check: "). Null when valid. */
  String validate() {
    if (interval.toNanos() > 0 && ttl.toNanos() > 0) {
      return "Interval and TTL cannot both be specified";
    }
    if (intervalCheck() && interval.toNanos() <= 0) {
      return "Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks";
    }
    if (intervalCheck() && isAlias()) {
      return "Interval cannot be set for Alias checks";
    }
    if (isAlias() && ttl.toNanos() > 0) {
      return "TTL must be not be set for Alias checks";
    }
    if (!intervalCheck() && !isAlias() && ttl.toNanos() <= 0) {
      return "TTL must be > 0 for TTL checks";
    }
    return null;
  }
}
