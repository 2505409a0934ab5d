package dev.discovery.mesos.zk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Reads the MasterInfo JSON that Mesos (0.24 and later) writes into its {@code json.info_NNNNNNNNNN}
 * znodes. {@code address.ip}/{@code address.port} win; otherwise the deprecated packed {@code ip}
 * (IPv4, read as a little-endian uint32) and {@code port}; otherwise the host name. Never resolves DNS.
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
    String host = address.path("ip").asText("");
    int port = address.path("port").asInt(0);
    String hostname = address.path("hostname").asText(root.path("hostname").asText(""));
    if (host.isEmpty() && root.path("ip").canConvertToLong()) {
      host = unpackIpv4(root.path("ip").asLong());
    }
    if (host.isEmpty()) {
      host = hostname;
    }
    if (port == 0) {
      port = root.path("port").asInt(5050);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("MasterInfo " + id + " has neither address.ip, ip nor hostname");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("MasterInfo " + id + " has port " + port + " out of range");
    }
    return new MasterInfo(id, host, port, hostname, root.path("version").asText(""));
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
