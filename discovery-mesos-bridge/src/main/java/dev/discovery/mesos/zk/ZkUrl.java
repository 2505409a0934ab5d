package dev.discovery.mesos.zk;

import java.util.Objects;

/**
 * A Mesos-style ZooKeeper URL, {@code zk://[user:password@]host:port[,host:port...]/path}, split
 * into Curator's connect string, the znode path and optional digest credentials.
 */
public final class ZkUrl {
  private final String connectString;
  private final String path;
  private final String credentials;

  private ZkUrl(String connectString, String path, String credentials) {
    this.connectString = connectString;
    this.path = path;
    this.credentials = credentials;
  }

  /**
   * Parses a URL.
   *
   * @throws IllegalArgumentException naming what is wrong and showing the expected form
   */
  public static ZkUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    String example = "; expected zk://host:2181[,host:2181...]/mesos";
    if (!url.startsWith("zk://")) {
      throw new IllegalArgumentException("\"" + url + "\" does not start with zk://" + example);
    }
    String rest = url.substring("zk://".length());
    int slash = rest.indexOf('/');
    if (slash < 0 || slash == rest.length() - 1) {
      throw new IllegalArgumentException("\"" + url + "\" has no path (the znode Mesos masters register under)"
          + example);
    }
    String authority = rest.substring(0, slash);
    String path = rest.substring(slash);
    while (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String credentials = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      credentials = authority.substring(0, at);
      authority = authority.substring(at + 1);
    }
    if (authority.isEmpty()) {
      throw new IllegalArgumentException("\"" + url + "\" has no host" + example);
    }
    for (String hostPort : authority.split(",")) {
      if (hostPort.isBlank()) {
        throw new IllegalArgumentException("\"" + url + "\" has an empty host in its list" + example);
      }
    }
    if (path.contains("//")) {
      throw new IllegalArgumentException("\"" + url + "\" has an empty element in its path" + example);
    }
    return new ZkUrl(authority, path, credentials);
  }

  /** Curator's connect string, e.g. {@code h1:2181,h2:2181}. */
  public String connectString() {
    return connectString;
  }

  /** The znode path, e.g. {@code /mesos}. */
  public String path() {
    return path;
  }

  /** {@code user:password} for ZooKeeper digest auth, or null. */
  public String credentials() {
    return credentials;
  }

  /** The URL without credentials, safe to log. */
  @Override
  public String toString() {
    return "zk://" + connectString + path;
  }
}
