package dev.discovery.mesos.bridge;

import dev.discovery.mesos.plan.DesiredService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * In-memory Consul agents keyed by host; records every write; agents can be taken down. Maintenance behaves as in
 * Consul: listed with the service, kept when the same ID is registered again, gone with the service.
 */
final class FakeAgents implements ConsulAgents {
  final Map<String, Map<String, RemoteService>> services = new ConcurrentHashMap<>();
  final Map<String, Set<String>> inMaintenance = new ConcurrentHashMap<>();
  final Set<String> down = ConcurrentHashMap.newKeySet();
  final List<String> writes = new CopyOnWriteArrayList<>();
  final List<String> reads = new CopyOnWriteArrayList<>();
  /** What listing an agent throws instead of answering (an agent that answers with an error). */
  final Map<String, AgentCallException> listingFails = new ConcurrentHashMap<>();
  /** What registering on an agent throws. */
  final Map<String, AgentCallException> registerFails = new ConcurrentHashMap<>();
  /** Run on the calling thread when an agent is listed, before anything else. */
  final Map<String, Runnable> onListing = new ConcurrentHashMap<>();

  Map<String, RemoteService> on(String agent) {
    return services.computeIfAbsent(agent, a -> java.util.Collections.synchronizedMap(new LinkedHashMap<>()));
  }

  private void reachable(String agent) throws AgentCallException {
    if (down.contains(agent)) {
      throw new AgentCallException("connection refused", true, null);
    }
  }

  @Override
  public List<RemoteService> services(String agent) throws AgentCallException {
    reads.add(agent);
    onListing.getOrDefault(agent, () -> {}).run();
    reachable(agent);
    AgentCallException fails = listingFails.get(agent);
    if (fails != null) {
      throw fails;
    }
    Set<String> m = inMaintenance.getOrDefault(agent, Set.of());
    List<RemoteService> out = new ArrayList<>();
    for (RemoteService r : on(agent).values()) {
      out.add(new RemoteService(r.id(), r.name(), r.address(), r.port(), r.tags(), r.meta(), m.contains(r.id())));
    }
    return out;
  }

  @Override
  public void register(String agent, DesiredService s) throws AgentCallException {
    reachable(agent);
    AgentCallException fails = registerFails.get(agent);
    if (fails != null) {
      throw fails;
    }
    writes.add("register " + agent + " " + s.id());
    on(agent).put(s.id(), new RemoteService(s.id(), s.name(), s.address(), s.port(), s.tags(), s.meta()));
  }

  @Override
  public void deregister(String agent, String serviceId) throws AgentCallException {
    reachable(agent);
    writes.add("deregister " + agent + " " + serviceId);
    on(agent).remove(serviceId);
    inMaintenance.getOrDefault(agent, new HashSet<>()).remove(serviceId);
  }

  @Override
  public void maintenance(String agent, String serviceId, boolean enable, String reason) throws AgentCallException {
    reachable(agent);
    writes.add("maintenance " + agent + " " + serviceId + " " + enable);
    Set<String> m = inMaintenance.computeIfAbsent(agent, a -> ConcurrentHashMap.newKeySet());
    if (enable) {
      m.add(serviceId);
    } else {
      m.remove(serviceId);
    }
  }

  @Override
  public String describe(String agent) {
    return agent;
  }

  @Override
  public void close() {}
}
