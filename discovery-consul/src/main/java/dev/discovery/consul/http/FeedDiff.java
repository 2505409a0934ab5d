package dev.discovery.consul.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between two answers of a change-feed source, by service name. Pure.
 *
 * <p>Two sources, because no Consul endpoint covers both tables a health answer is made of:
 * <ul>
 *   <li>{@code /v1/health/state/any}: every check of the datacenter with its {@code ModifyIndex}; its index is the
 *       checks table's (Consul's {@code catalogChecksMaxIndex}). A check added, removed or rewritten (status or
 *       output) names its {@code ServiceName}; a node-level check ({@code ServiceName} empty) may change every
 *       service on its node, so it names all.</li>
 *   <li>{@code /v1/catalog/services}: service name to tags; its index is the services table's
 *       ({@code catalogServicesMaxIndex}). A name that appears or goes, or whose tags change, is named.</li>
 * </ul>
 * When the index moved but the answers show no difference, something changed that the answer does not show (an
 * instance added to a service that keeps its name and tags, a port or address change, a deregistration of an
 * instance without checks, which Consul's {@code deleteServiceTxn} records in the checks index too): then all are
 * named. Names are compared lower-cased, as Consul's catalog indexes them.
 */
final class FeedDiff {
  private static final JsonFactory JSON = new JsonFactory();

  private FeedDiff() {}

  /** Services that may have changed: {@link #all} or a set of lower-cased names (possibly empty). */
  record Changes(boolean all, Set<String> services) {
    static final Changes NONE = new Changes(false, Set.of());
    static final Changes ALL = new Changes(true, Set.of());

    boolean none() {
      return !all && services.isEmpty();
    }

    /** Whether a query on {@code service} must be read again. */
    boolean names(String service) {
      return all || services.contains(key(service));
    }
  }

  /** The service name as Consul's catalog compares it. */
  static String key(String service) {
    return service.toLowerCase(Locale.ROOT);
  }

  /** One check as the feed remembers it. */
  record Check(String service, long modifyIndex) {}

  /** {@code /v1/health/state/any}: check (node and ID) to its service and ModifyIndex; IOException: unusable. */
  static Map<String, Check> parseChecks(byte[] body) throws IOException {
    Map<String, Check> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IOException("/v1/health/state/any: expected a JSON array");
      }
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String node = null;
        String checkId = null;
        String service = "";
        long modify = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          switch (field) {
            case "Node" -> node = p.getValueAsString();
            case "CheckID" -> checkId = p.getValueAsString();
            case "ServiceName" -> service = Objects.requireNonNullElse(p.getValueAsString(), "");
            case "ModifyIndex" -> modify = p.getValueAsLong(-1);
            default -> {
              if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                p.skipChildren();
              }
            }
          }
        }
        if (node == null || checkId == null || modify < 0) {
          throw new IOException("/v1/health/state/any: a check without Node, CheckID or ModifyIndex");
        }
        out.put(node + '\u0000' + checkId, new Check(key(service), modify));
      }
      if (p.currentToken() != JsonToken.END_ARRAY) {
        throw new IOException("/v1/health/state/any: expected check objects");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("/v1/health/state/any: not JSON (" + e.getOriginalMessage() + ")", e);
    }
    return out;
  }

  /** {@code /v1/catalog/services}: lower-cased service name to its tags. */
  static Map<String, Set<String>> parseCatalog(byte[] body) throws IOException {
    Map<String, Set<String>> out = new HashMap<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("/v1/catalog/services: expected a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = key(p.currentName());
        Set<String> tags = out.computeIfAbsent(name, k -> new TreeSet<>());
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_ARRAY) {
          while (p.nextToken() != JsonToken.END_ARRAY) {
            tags.add(p.getValueAsString());
          }
        } else if (value != JsonToken.VALUE_NULL) {
          throw new IOException("/v1/catalog/services: the tags of " + name + " are not an array");
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("/v1/catalog/services: not JSON (" + e.getOriginalMessage() + ")", e);
    }
    return out;
  }

  /** Checks added, removed or rewritten between two answers; a node-level one names all. */
  static Changes checks(Map<String, Check> before, Map<String, Check> after) {
    Set<String> named = new HashSet<>();
    for (Map.Entry<String, Check> e : after.entrySet()) {
      Check old = before.get(e.getKey());
      if (old == null || !old.equals(e.getValue())) {
        if (e.getValue().service().isEmpty() || (old != null && old.service().isEmpty())) {
          return Changes.ALL;
        }
        named.add(e.getValue().service());
        if (old != null) {
          named.add(old.service());
        }
      }
    }
    for (Map.Entry<String, Check> e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        if (e.getValue().service().isEmpty()) {
          return Changes.ALL;
        }
        named.add(e.getValue().service());
      }
    }
    return named.isEmpty() ? Changes.NONE : new Changes(false, Set.copyOf(named));
  }

  /** Services that appeared, went, or changed tags between two answers. */
  static Changes catalog(Map<String, Set<String>> before, Map<String, Set<String>> after) {
    Set<String> named = new HashSet<>();
    for (Map.Entry<String, Set<String>> e : after.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        named.add(e.getKey());
      }
    }
    for (String name : before.keySet()) {
      if (!after.containsKey(name)) {
        named.add(name);
      }
    }
    return named.isEmpty() ? Changes.NONE : new Changes(false, Set.copyOf(named));
  }

  /**
   * What a source's new answer means: the visible differences, or all when its index moved (or reset) without
   * any.
   */
  static Changes of(Changes visible, long indexBefore, long indexAfter) {
    if (visible.all() || indexAfter != indexBefore && visible.none()) {
      return Changes.ALL;
    }
    return visible;
  }
}
