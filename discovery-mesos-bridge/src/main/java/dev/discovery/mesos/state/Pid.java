package dev.discovery.mesos.state;

import java.util.Objects;
import java.util.Optional;

/**
 * A libprocess pid such as {@code slave(1)@10.0.0.40:5051} or {@code slave(1)@[2001:db8::1]:5051}.
 * Parsing never resolves host names: the host is kept as written, and IPv6 literals lose their brackets.
 */
public record Pid(String id, String host, int port) {
  /** Creates a pid; the host is an IP literal (IPv6 without brackets) or a host name. */
  public Pid {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("pid host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("pid port out of range: " + port);
    }
  }

  /** Parses {@code id@host:port}; returns empty for anything else, so one odd pid never fails a whole state. */
  public static Optional<Pid> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int at = text.indexOf('@');
    if (at <= 0 || at == text.length() - 1) {
      return Optional.empty();
    }
    String id = text.substring(0, at);
    String hostPort = text.substring(at + 1);
    String host;
    String portText;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
        return Optional.empty();
      }
      host = hostPort.substring(1, close);
      portText = hostPort.substring(close + 2);
    } else {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0 || hostPort.indexOf(':') != colon) {
        return Optional.empty();
      }
      host = hostPort.substring(0, colon);
      portText = hostPort.substring(colon + 1);
    }
    try {
      int port = Integer.parseInt(portText);
      if (host.isEmpty() || port < 1 || port > 65535) {
        return Optional.empty();
      }
      return Optional.of(new Pid(id, host, port));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The host as it belongs in a URL authority: IPv6 literals in brackets. */
  public String urlHost() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  @Override
  public String toString() {
    return id + "@" + urlHost() + ":" + port;
  }
}
