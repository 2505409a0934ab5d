package dev.discovery.spring.registration;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The address to register when none is configured: the first non-loopback address of an interface that is
 * up, IPv4 before IPv6 (IPv6 link-local addresses are left out: they need a scope to be reachable). Interfaces
 * are taken in index order, so the choice is stable across restarts; with none, the loopback address.
 */
public final class HostAddresses {
  private HostAddresses() {}

  /** The first non-loopback address, as a literal. */
  public static String firstNonLoopback() {
    List<InetAddress> v4 = new ArrayList<>();
    List<InetAddress> v6 = new ArrayList<>();
    try {
      List<NetworkInterface> interfaces = Collections.list(NetworkInterface.getNetworkInterfaces());
      interfaces.sort((a, b) -> Integer.compare(a.getIndex(), b.getIndex()));
      for (NetworkInterface nic : interfaces) {
        if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isAnyLocalAddress()) {
            continue;
          }
          (address instanceof Inet4Address ? v4 : v6).add(address);
        }
      }
    } catch (SocketException e) {
      // No interface list: fall back to loopback below.
    }
    if (!v4.isEmpty()) {
      return v4.get(0).getHostAddress();
    }
    if (!v6.isEmpty()) {
      String literal = v6.get(0).getHostAddress();
      int scope = literal.indexOf('%');
      return scope < 0 ? literal : literal.substring(0, scope);
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }
}
