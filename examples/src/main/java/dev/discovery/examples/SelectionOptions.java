package dev.discovery.examples;

import dev.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The lookup tool's per-query selection flags (issue 17): a Consul filter expression, any-of tags, service and
 * node metadata, and a node to sort near. Applied to the query as {@link ServiceQuery} does; a bad value is an
 * {@link IllegalArgumentException} whose message names the flag.
 */
final class SelectionOptions {
  @Option(names = "--filter", paramLabel = "EXPR",
      description = "Consul filter expression, e.g. 'Service.Meta.version == \"2\"' (HTTP only)")
  String filter;

  @Option(names = "--any-tag", paramLabel = "TAG[,TAG...]", split = ",",
      description = "Instances with at least one of these tags (repeatable)")
  List<String> anyTags = new ArrayList<>();

  @Option(names = "--meta", paramLabel = "KEY=VALUE",
      description = "Required service metadata (repeatable; HTTP only)")
  List<String> meta = new ArrayList<>();

  @Option(names = "--node-meta", paramLabel = "KEY=VALUE",
      description = "Required metadata of the instance's node (repeatable; HTTP only)")
  List<String> nodeMeta = new ArrayList<>();

  @Option(names = "--near", paramLabel = "NODE",
      description = "List the instances nearest NODE first (_agent: the agent's node; HTTP only)")
  String near;

  /** {@code query} with the flags' selection. */
  ServiceQuery apply(ServiceQuery query) {
    ServiceQuery q = query;
    if (filter != null) {
      q = flag("--filter", () -> query.withFilter(filter));
    }
    if (!anyTags.isEmpty()) {
      ServiceQuery withFilter = q;
      q = flag("--any-tag", () -> withFilter.withAnyTag(anyTags));
    }
    for (Map.Entry<String, String> m : pairs(meta, "--meta").entrySet()) {
      ServiceQuery before = q;
      q = flag("--meta", () -> before.withServiceMeta(m.getKey(), m.getValue()));
    }
    for (Map.Entry<String, String> m : pairs(nodeMeta, "--node-meta").entrySet()) {
      ServiceQuery before = q;
      q = flag("--node-meta", () -> before.withNodeMeta(m.getKey(), m.getValue()));
    }
    if (near != null) {
      ServiceQuery before = q;
      q = flag("--near", () -> before.near(near));
    }
    return q;
  }

  /** The first flag of those Consul DNS cannot carry, or {@code null}: for a usage error before asking. */
  String notForDns() {
    return filter != null ? "--filter" : !meta.isEmpty() ? "--meta" : !nodeMeta.isEmpty() ? "--node-meta"
        : near != null ? "--near" : null;
  }

  /** Whether the answer's order means something (nearest first) and must be printed as it came. */
  boolean ordered() {
    return near != null;
  }

  /** The flags given, for a "no instance" message, e.g. {@code  matching --meta=version=2}; else "". */
  String describe() {
    List<String> given = new ArrayList<>();
    if (filter != null) {
      given.add("--filter=" + filter);
    }
    if (!anyTags.isEmpty()) {
      given.add("--any-tag=" + String.join(",", anyTags));
    }
    meta.forEach(m -> given.add("--meta=" + m));
    nodeMeta.forEach(m -> given.add("--node-meta=" + m));
    return given.isEmpty() ? "" : " matching " + String.join(" ", given);
  }

  private static Map<String, String> pairs(List<String> values, String flag) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String v : values) {
      int eq = v.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(flag + " must be KEY=VALUE, such as " + flag + "=version=2, was '"
            + v + "'");
      }
      out.put(v.substring(0, eq), v.substring(eq + 1));
    }
    return out;
  }

  private static ServiceQuery flag(String flag, java.util.function.Supplier<ServiceQuery> apply) {
    try {
      return apply.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }
}
