package dev.discovery.grpc;

import dev.discovery.ServiceInstance;
import io.grpc.EquivalentAddressGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the instances of an answer into gRPC's address groups: one group per distinct {@code host:port}, with the
 * instance's Consul data as attributes. Runs on the discovery's notification thread, never on the channel's
 * synchronization context, because a host name (rare: Consul registrations usually carry IPs) needs a lookup.
 */
final class AddressGroups {
  private static final Logger LOG = LoggerFactory.getLogger(AddressGroups.class);

  private AddressGroups() {}

  /** The groups, in the answer's order; an instance whose host cannot be resolved is left out (one WARN each time). */
  static List<EquivalentAddressGroup> of(List<ServiceInstance> instances) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(instances.size());
    Set<InetSocketAddress> seen = new HashSet<>();
    for (ServiceInstance instance : instances) {
      InetSocketAddress address = address(instance);
      // Two registrations of one address would make two subchannels to the same server and double its share.
      if (address != null && seen.add(address)) {
        groups.add(new EquivalentAddressGroup(address, ConsulAttributes.of(instance)));
      }
    }
    return groups;
  }

  /** The socket address of an instance: IP literals (IPv6 included, with or without brackets) need no lookup. */
  static InetSocketAddress address(ServiceInstance instance) {
    String host = instance.host();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      // For a literal this parses without any lookup; for a name it asks the system resolver (cached by the JDK).
      return new InetSocketAddress(InetAddress.getByName(host), instance.port());
    } catch (UnknownHostException e) {
      LOG.warn("instance {} of '{}' has host '{}', which does not resolve; leaving it out of the channel's addresses",
          instance.id(), instance.service(), instance.host());
      return null;
    }
  }
}
