package dev.discovery.consul.dns;

import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What of a query's selection Consul DNS can carry, decided before anything is asked. Pure.
 *
 * <p>A Consul DNS name carries one tag ({@code <tag>.<service>.service.consul}) and nothing else: no filter
 * expression, no service or node metadata, no {@code near} (Consul sorts DNS answers only for prepared queries
 * that define it, and shuffles the rest). So:
 * <ul>
 *   <li>no tag, or one all-of tag: one name;</li>
 *   <li>any-of tags (and no all-of tag): one name per tag, the answers merged (an instance found under several
 *       names is one instance carrying each of those tags);</li>
 *   <li>anything else (a filter, service meta, node meta, near, more than one all-of tag, all-of and any-of tags
 *       together) is refused with an {@link InvalidQueryException} that says what DNS cannot do and to use the
 *       HTTP backend, never silently ignored.</li>
 * </ul>
 */
final class DnsSelection {
  private DnsSelection() {}

  /**
   * The queries to ask, one per DNS name: the query itself, or one single-tag query per any-of tag (sorted, so
   * that the names and the merged order are stable).
   *
   * @throws InvalidQueryException if DNS cannot express the query's selection
   */
  static List<ServiceQuery> names(ServiceQuery query, String backend) {
    List<String> cannot = new ArrayList<>();
    if (query.filter() != null) {
      cannot.add("a filter expression (" + query.filter() + ")");
    }
    if (!query.serviceMeta().isEmpty()) {
      cannot.add("service meta " + query.serviceMeta());
    }
    if (!query.nodeMeta().isEmpty()) {
      cannot.add("node meta " + query.nodeMeta());
    }
    if (query.near() != null) {
      cannot.add("sorting near a node (" + query.near() + ")");
    }
    if (!query.anyTags().isEmpty() && !query.tags().isEmpty()) {
      cannot.add("all-of tags " + new TreeSet<>(query.tags()) + " together with any-of tags "
          + new TreeSet<>(query.anyTags()) + " (one tag per name)");
    }
    if (!cannot.isEmpty()) {
      throw new InvalidQueryException(query.service(), backend, "cannot look up " + query + " over Consul DNS:"
          + " a DNS name carries one tag only, so DNS cannot select by " + String.join(", ", cannot)
          + "; use the HTTP backend (ConsulDiscovery.http()), which applies them all", null);
    }
    if (query.anyTags().isEmpty()) {
      return List.of(query); // more than one all-of tag is refused by DnsNames, as it always was
    }
    List<ServiceQuery> perTag = new ArrayList<>();
    for (String tag : new TreeSet<>(query.anyTags())) {
      perTag.add(ServiceQuery.of(query.service()).withTags(tag).inDatacenter(query.datacenter()));
    }
    return perTag;
  }
}
