package dev.discovery.mesos.zk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import okhttp3.HttpUrl;

/**
 * Reads the MasterInfo JSON that Mesos (0.24 and later) writes into its {@code json.info_NNNNNNNNNN}
 * znodes. {@code address.ip}/{@code address.port} win; otherwise the deprecated packed {@code ip}
 * (IPv4, read as a little-endian uint32) and {@code port}; otherwise the host name. Never resolves DNS. A port
 * must be an integer within 1..65535 (a blank ip counts as absent), and the master's URL must be valid.
 */
public final class MasterInfoReader {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MasterInfoReader() {}

  /**
   * Parses one znode's data.
   *
   * @throws IllegalArgumentException saying what is missing or malformed
   */
  public static MasterInfo read(byte[] data) {
    JsonNode root;
    try {
      root = MAPPER.readTree(data);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("MasterInfo is not JSON (Mesos before 0.24 wrote protobuf): "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("MasterInfo unreadable: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("MasterInfo is not a JSON object");
    }
    String id = root.path("id").asText("");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("MasterInfo has no id");
    }
    JsonNode address = root.path("address");
    String host = address.path("ip").asText("").strip();
    int port = port(address.path("port"), id, "address.port");
    String hostname = address.path("hostname").asText(root.path("hostname").asText("")).strip();
    JsonNode packed = root.path("ip");
    if (host.isEmpty() && packed.isIntegralNumber() && packed.canConvertToLong()) {
      host = unpackIpv4(packed.asLong());
    }
    if (host.isEmpty()) {
      host = hostname;
    }
    if (port == 0) {
      port = port(root.path("port"), id, "port");
    }
    if (port == 0) {
      port = 5050;
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("MasterInfo " + id + " has neither address.ip, ip nor hostname");
    }
    MasterInfo info = new MasterInfo(id, host, port, hostname, root.path("version").asText(""));
    // The bridge reads the leader's state from this URL: a host that cannot be in one is refused here.
    if (HttpUrl.parse(info.baseUrl()) == null) {
      throw new IllegalArgumentException("MasterInfo " + id + " has host '" + host
          + "', which is neither an IP address nor a host name");
    }
    return info;
  }

  /** A port field: 0 when absent, else an integer within 1..65535 (never wrapped, rounded or read from text). */
  private static int port(JsonNode node, String id, String field) {
    if (node.isMissingNode() || node.isNull()) {
      return 0;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1 || node.intValue() > 65535) {
      throw new IllegalArgumentException("MasterInfo " + id + " has " + field + " " + node
          + ", not a port number within 1..65535");
    }
    return node.intValue();
  }

  /** Mesos stores the address in network order in a uint32 that JSON prints as a little-endian number. */
  static String unpackIpv4(long packed) {
    if (packed <= 0 || packed > 0xFFFF_FFFFL) {
      return "";
    }
    return (packed & 0xFF) + "." + ((packed >> 8) & 0xFF) + "." + ((packed >> 16) & 0xFF) + "."
        + ((packed >> 24) & 0xFF);
  }
}
