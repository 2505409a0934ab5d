package dev.discovery.spring.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** TEMPORARY stand-in for ConsulAgent.catalogServices until it lands on main; deleted at that merge. */
final class TemporaryCatalog {
  private static final OkHttpClient CLIENT = new OkHttpClient();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TemporaryCatalog() {}

  static List<String> services(ConsulAgent agent, String token, String datacenter) {
    HttpUrl.Builder url = HttpUrl.get(agent.uri()).newBuilder().addPathSegments("v1/catalog/services");
    if (datacenter != null) {
      url.addQueryParameter("dc", datacenter);
    }
    Request.Builder request = new Request.Builder().url(url.build());
    if (token != null) {
      request.header("X-Consul-Token", token);
    }
    try (Response response = CLIENT.newCall(request.build()).execute()) {
      if (response.code() != 200) {
        throw new ConsulAgentException(null, "consul-agent " + agent.uri(), response.code(), "consul agent "
            + agent.uri() + " refused to list the catalog's services (HTTP " + response.code() + ")", null);
      }
      JsonNode node = MAPPER.readTree(response.body().bytes());
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
        names.add(it.next());
      }
      return names;
    } catch (IOException e) {
      throw new ConsulAgentException(null, "consul-agent " + agent.uri(), 0, "cannot reach consul agent "
          + agent.uri() + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
