package dev.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.RecordedRequest;

/** A minimal agent for MockWebServer: remembers registrations and their check IDs, answers like Consul. */
final class FakeAgentDispatcher extends Dispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  final Map<String, JsonNode> services = new ConcurrentHashMap<>();
  final Map<String, String> checks = new ConcurrentHashMap<>(); // check ID -> status
  final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  volatile MockResponse override;

  /** Forgets everything, as an agent restarted without persisted state does. */
  void restart() {
    services.clear();
    checks.clear();
  }

  long count(String method, String pathPrefix) {
    return requests.stream().filter(r -> r.getMethod().equals(method) && r.getPath().startsWith(pathPrefix)).count();
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    requests.add(request);
    MockResponse forced = override;
    if (forced != null) {
      return forced;
    }
    String path = request.getRequestUrl().encodedPath();
    try {
      if (request.getMethod().equals("PUT") && path.equals("/v1/agent/service/register")) {
        JsonNode body = JSON.readTree(request.getBody().readUtf8());
        String id = body.has("ID") ? body.get("ID").asText() : body.get("Name").asText();
        services.put(id, body);
        if (body.has("Checks")) {
          for (JsonNode c : body.get("Checks")) {
            checks.put(c.get("CheckID").asText(), c.has("Status") ? c.get("Status").asText() : "critical");
          }
        }
        return new MockResponse().setResponseCode(200);
      }
      if (request.getMethod().equals("PUT") && path.startsWith("/v1/agent/service/deregister/")) {
        String id = request.getRequestUrl().pathSegments().get(4);
        JsonNode removed = services.remove(id);
        if (removed == null) {
          return new MockResponse().setResponseCode(404).setBody("Unknown service ID \"" + id
              + "\". Ensure that the service ID is passed, not the service name.");
        }
        if (removed.has("Checks")) {
          removed.get("Checks").forEach(c -> checks.remove(c.get("CheckID").asText()));
        }
        return new MockResponse().setResponseCode(200);
      }
      if (request.getMethod().equals("PUT") && path.startsWith("/v1/agent/check/")) {
        List<String> seg = request.getRequestUrl().pathSegments();
        String id = seg.get(4);
        if (!checks.containsKey(id)) {
          return new MockResponse().setResponseCode(404).setBody("Unknown check ID \"" + id
              + "\". Ensure that the check ID is passed, not the check name.");
        }
        checks.put(id, seg.get(3).equals("pass") ? "passing" : seg.get(3).equals("warn") ? "warning" : "critical");
        return new MockResponse().setResponseCode(200);
      }
      if (request.getMethod().equals("GET") && path.startsWith("/v1/agent/service/")) {
        String id = request.getRequestUrl().pathSegments().get(3);
        JsonNode s = services.get(id);
        return s == null ? new MockResponse().setResponseCode(404).setBody("unknown service ID: " + id)
            : new MockResponse().setResponseCode(200).setBody(s.toString());
      }
      if (request.getMethod().equals("GET") && path.equals("/v1/agent/services")) {
        StringBuilder b = new StringBuilder("{");
        services.forEach((id, s) -> b.append(b.length() > 1 ? "," : "").append('"').append(id)
            .append("\":{\"ID\":\"").append(id).append("\",\"Service\":\"").append(s.get("Name").asText())
            .append("\",\"Port\":").append(s.path("Port").asInt()).append(",\"Tags\":[],\"Meta\":{}}"));
        return new MockResponse().setResponseCode(200).setBody(b.append('}').toString());
      }
      if (request.getMethod().equals("PUT") && path.startsWith("/v1/agent/service/maintenance/")) {
        return new MockResponse().setResponseCode(200);
      }
    } catch (IOException e) {
      return new MockResponse().setResponseCode(400).setBody("Request decode failed: " + e.getMessage());
    }
    return new MockResponse().setResponseCode(404).setBody("Invalid URL path: not a recognized HTTP API endpoint");
  }
}
