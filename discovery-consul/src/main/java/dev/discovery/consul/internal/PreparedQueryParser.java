package dev.discovery.consul.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.HealthFilter;
import dev.discovery.ServiceQuery;

/**
 * Turns a {@code /v1/query/:name/execute} body into instances. Pure. The body is an object (api-docs/query.mdx
 * "Execute Prepared Query"): {@code Service} (the service the query selected), {@code Nodes} (the same entries as
 * {@code /v1/health/service}, already filtered by the query: parsed by {@link HealthParser}, whose rules apply),
 * {@code DNS}, {@code Datacenter} (the one that provided the nodes: another one after a failover) and
 * {@code Failovers}.
 *
 * <p>Internal: see the package documentation.
 */
public final class PreparedQueryParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PreparedQueryParser() {}

  /**
   * What an execution answered.
   *
   * @param service the service the prepared query selected
   * @param datacenter the datacenter whose nodes these are, or {@code null} if Consul did not say
   * @param failovers how many other datacenters Consul tried
   * @param result the parsed nodes
   */
  public record Execution(String service, String datacenter, int failovers, HealthParser.Result result) {}

  /**
   * Parses one execute answer, connecting to {@code taggedAddress} when given (else {@code null}).
   *
   * @throws InvalidAnswerException naming the field when the body is not what Consul sends
   */
  public static Execution parse(byte[] body, String taggedAddress) throws InvalidAnswerException {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidAnswerException("the body is not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (java.io.IOException e) {
      throw new InvalidAnswerException("the body cannot be read (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidAnswerException("a prepared query's answer must be a JSON object with Service and Nodes,"
          + " was " + (root == null ? "empty" : root.getNodeType()));
    }
    JsonNode service = root.get("Service");
    if (service == null || !service.isTextual() || service.asText().isEmpty()) {
      throw new InvalidAnswerException("a prepared query's answer lacks the service name (Service)");
    }
    JsonNode nodes = root.get("Nodes");
    if (nodes == null || !nodes.isArray()) {
      throw new InvalidAnswerException("a prepared query's answer lacks its Nodes array (Consul sends [] for none)");
    }
    JsonNode dc = root.get("Datacenter");
    JsonNode failovers = root.get("Failovers");
    // Consul has filtered the nodes by the query's own rules (OnlyPassing false keeps warning ones), so every
    // health it returns is accepted; the entries must still name the service it selected.
    ServiceQuery entries = ServiceQuery.of(service.asText()).withHealth(HealthFilter.PASSING_OR_WARNING);
    byte[] array;
    try {
      array = MAPPER.writeValueAsBytes(nodes);
    } catch (JsonProcessingException e) {
      throw new InvalidAnswerException("the Nodes array cannot be read (" + e.getOriginalMessage() + ")", e);
    }
    HealthParser.Result result = HealthParser.parse(array, entries, taggedAddress);
    return new Execution(service.asText(), dc != null && dc.isTextual() && !dc.asText().isEmpty() ? dc.asText()
        : null, failovers != null && failovers.canConvertToInt() ? failovers.asInt() : 0, result);
  }
}
