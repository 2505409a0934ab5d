package dev.discovery.consul.http;

import dev.discovery.DiscoveryException;
import dev.discovery.InvalidQueryException;
import dev.discovery.ServiceQuery;
import dev.discovery.consul.internal.AgentStatus;

/**
 * Maps a non-200 status from the health endpoint to the library's exceptions. Pure.
 *
 * <ul>
 *   <li>403: {@link InvalidQueryException} saying the token was refused and that it needs
 *       {@code service:read} and {@code node:read}.</li>
 *   <li>400, 500 for an unknown datacenter or a malformed filter, and 404 for an unknown prepared query:
 *       {@link InvalidQueryException}; the request itself must change. For a filter the message quotes the whole
 *       expression sent (the client's and the query's filters and the generated selections together) and says it
 *       is not retried ({@link AgentStatus#rejectsRequest()}).</li>
 *   <li>429 and every other 5xx: a {@link DiscoveryException} marked transient; retried with back-off.</li>
 *   <li>Anything else: a {@link DiscoveryException} with the status and Consul's text.</li>
 * </ul>
 */
final class StatusErrors {
  private StatusErrors() {}

  static DiscoveryException of(int status, String body, ServiceQuery query, String agent, String backend) {
    return of(status, body, query, agent, backend, null);
  }

  /** As above; {@code filter} is the expression the request sent, or {@code null}. */
  static DiscoveryException of(int status, String body, ServiceQuery query, String agent, String backend,
      String filter) {
    String consul = AgentStatus.quote(body);
    String said = consul.isEmpty() ? "" : " (Consul: " + consul + ")";
    String service = query.service();
    switch (AgentStatus.of(status, body)) {
      case TOKEN_REFUSED:
        return new InvalidQueryException(service, backend, "consul agent " + agent + " refused the ACL token for "
            + query + said + "; use a token whose policy grants service:read on '" + service
            + "' and node:read on its nodes", null);
      case BAD_REQUEST:
        return new InvalidQueryException(service, backend, "consul agent " + agent + " rejected the query for "
            + query + " as invalid (HTTP 400)" + said + "; fix the query or the filter/node-meta options", null);
      case UNKNOWN_DATACENTER:
        return new InvalidQueryException(service, backend, "consul agent " + agent + " knows no datacenter '"
            + query.datacenter() + "' for " + query + said + "; check the datacenter name", null);
      case INVALID_FILTER:
        return new InvalidQueryException(service, backend, "consul agent " + agent
            + " cannot evaluate the filter expression " + (filter == null ? "" : "[" + filter + "] ") + "for "
            + query + said + "; fix the filter expression (the query is not retried: Consul rejects it as"
            + " written)", null);
      case RATE_LIMITED:
        return new DiscoveryException(service, backend, "consul agent " + agent + " is rate-limiting requests for "
            + query + " (HTTP 429)" + said + "; retrying with back-off", null);
      case SERVER_ERROR:
        return new DiscoveryException(service, backend, "consul agent " + agent + " failed to answer " + query
            + ": HTTP " + status + said + "; retrying with back-off (check the Consul servers' leader and logs)",
            null);
      case NOT_FOUND:
        if (query.prepared()) {
          // agent/prepared_query_endpoint.go answers an unknown query with 404 "Query not found".
          return new InvalidQueryException(service, backend, "consul agent " + agent + " has no prepared query '"
              + service + "'" + (query.datacenter() == null ? "" : " in datacenter '" + query.datacenter() + "'")
              + said + "; create it with POST /v1/query, or check its name", null);
        }
        return new DiscoveryException(service, backend, "consul agent " + agent + " answered HTTP 404 for " + query
            + said + "; is the address a Consul agent's HTTP API (port 8500), without an extra path?", null);
      default:
        return new DiscoveryException(service, backend, "consul agent " + agent + " answered HTTP " + status
            + " for " + query + said, null);
    }
  }
}
