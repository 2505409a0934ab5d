package dev.discovery.mesos.zk;

import java.util.Objects;

/** A Mesos master as announced in ZooKeeper: its ID and the address its HTTP API listens on. */
public record MasterInfo(String id, String host, int port, String hostname, String version) {
  /** Creates a master info; {@code host} is an IP literal (IPv6 without brackets) or a host name. */
  public MasterInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(host, "host");
    hostname = hostname == null ? "" : hostname;
    version = version == null ? "" : version;
  }

  /** The master's base URL, e.g. {@code http://10.0.5.220:5050}. */
  public String baseUrl() {
    return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
