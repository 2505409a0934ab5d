package dev.discovery.consul.http;

import java.util.List;

/** Builds health-endpoint bodies in Consul's wire format for tests. */
public final class Bodies {
  private Bodies() {}

  /** One entry: node name and address, service id/name/address/port, tags and check statuses. */
  public static String entry(String node, String nodeAddress, String id, String service, String address, int port,
      List<String> tags, String... statuses) {
    StringBuilder checks = new StringBuilder("{\"Node\":\"" + node
        + "\",\"CheckID\":\"serfHealth\",\"Name\":\"Serf Health Status\",\"Status\":\"passing\",\"ServiceID\":\"\","
        + "\"ServiceName\":\"\",\"ServiceTags\":[]}");
    for (int i = 0; i < statuses.length; i++) {
      checks.append(",{\"Node\":\"").append(node).append("\",\"CheckID\":\"service:").append(id)
          .append(i == 0 ? "" : ":" + i).append("\",\"Status\":\"").append(statuses[i])
          .append("\",\"ServiceID\":\"").append(id).append("\",\"ServiceName\":\"").append(service)
          .append("\",\"ServiceTags\":[]}");
    }
    StringBuilder t = new StringBuilder();
    for (String tag : tags) {
      t.append(t.length() == 0 ? "" : ",").append('"').append(tag).append('"');
    }
    return "{\"Node\":{\"ID\":\"x\",\"Node\":\"" + node + "\",\"Address\":\"" + nodeAddress
        + "\",\"Datacenter\":\"dc1\",\"TaggedAddresses\":{\"lan\":\"" + nodeAddress + "\"},\"Meta\":{}},"
        + "\"Service\":{\"ID\":\"" + id + "\",\"Service\":\"" + service + "\",\"Tags\":[" + t + "],\"Address\":\""
        + address + "\",\"Meta\":{},\"Port\":" + port + ",\"Weights\":{\"Passing\":1,\"Warning\":1}},"
        + "\"Checks\":[" + checks + "]}";
  }

  public static String array(String... entries) {
    return "[" + String.join(",", entries) + "]";
  }
}
