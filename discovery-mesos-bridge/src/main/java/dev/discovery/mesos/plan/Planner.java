package dev.discovery.mesos.plan;

import dev.discovery.mesos.state.Agent;
import dev.discovery.mesos.state.Container;
import dev.discovery.mesos.state.DiscoveryPort;
import dev.discovery.mesos.state.Framework;
import dev.discovery.mesos.state.Label;
import dev.discovery.mesos.state.MesosState;
import dev.discovery.mesos.state.NetworkInfo;
import dev.discovery.mesos.state.PortMapping;
import dev.discovery.mesos.state.Task;
import dev.discovery.mesos.state.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a Mesos master state into the services each host's Consul agent should hold. Pure: no
 * I/O, no clock, no DNS; the same input always gives the same plan. Linear in the number of tasks.
 *
 * <p>Naming, IDs, tags and checks follow mesos-consul (see the module README); the differences
 * are deliberate fixes: host ports are never paired with a container IP, a port that appears both
 * in DiscoveryInfo and in the resources is registered once, names are valid DNS labels, IPv6 works.
 */
public final class Planner {
  private static final String RUNNING = "TASK_RUNNING";
  private static final String HOST_CHECK_INTERVAL = "10s";

  private final PlanOptions options;
  private final String hostServiceName;

  /** Creates a planner for these options. */
  public Planner(PlanOptions options) {
    this.options = options;
    String name = Names.serviceName(options.serviceName(), options.groupSeparator());
    this.hostServiceName = name.isEmpty() ? "mesos" : name;
  }

  /** Plans with the given state and the masters known from ZooKeeper or {@code --mesos}. */
  public Plan plan(MesosState state, List<MesosMaster> masters) {
    Builder out = new Builder();
    String prefix = options.serviceIdPrefix();

    for (MesosMaster m : masters) {
      List<String> roles = m.leader() ? List.of("leader", "master") : List.of("master");
      String url = "http://" + urlHost(m.ip()) + ":" + m.port() + "/master/health";
      out.add(m.ip(), new DesiredService(prefix + ":" + hostServiceName + ":" + m.ip() + ":" + m.port(),
          hostServiceName, m.ip(), m.port(), hostTags(roles), checkMeta(null, httpCheck(url)),
          httpCheck(url), false, ""), null);
    }

    Map<String, Agent> agents = new HashMap<>();
    for (Agent a : state.agents()) {
      if (a.pid() == null) {
        out.warn("agent " + a.id() + " skipped: cannot read its pid \"" + a.rawPid() + "\"");
        continue;
      }
      agents.put(a.id(), a);
      String ip = hostIp(a);
      String url = "http://" + a.pid().urlHost() + ":" + a.pid().port() + "/" + a.pid().id() + "/health";
      HealthCheck check = httpCheck(url);
      out.add(ip, new DesiredService(prefix + ":" + hostServiceName + ":" + a.id() + ":" + a.hostname(),
          hostServiceName, ip, a.pid().port(), hostTags(List.of("agent", "follower")),
          checkMeta(null, check), check, false, ""), null);
    }

    for (Framework f : state.frameworks()) {
      if (!allowed(f.name(), options.fwWhitelist(), options.fwBlacklist())) {
        continue;
      }
      for (Task t : f.tasks()) {
        if (!RUNNING.equals(t.state())) {
          continue;
        }
        Agent agent = agents.get(t.agentId());
        if (agent == null) {
          continue;
        }
        out.running++;
        planTask(t, agent, out);
      }
    }
    return Plan.of(out.byHost, out.running, out.registered, out.warnings);
  }

  private void planTask(Task t, Agent agent, Builder out) {
    String name = taskServiceName(t);
    if (name.isEmpty()) {
      out.warn("task " + t.id() + " skipped: its name \"" + t.name() + "\" leaves no usable service name");
      return;
    }
    if (!allowed(name, options.whitelist(), options.blacklist())) {
      return;
    }
    String hostIp = hostIp(agent);
    TaskStatus running = t.latestRunningStatus();
    String taskIp = taskIp(running, hostIp);
    Networking net = Networking.of(t, running);

    List<String> baseTags = new ArrayList<>(csv(t.label("tags")));
    for (TaskTag rule : options.taskTags()) {
      if (rule.matches(name)) {
        addAll(baseTags, rule.tags());
      }
    }
    TaskStatus latest = t.latestStatus();
    boolean unhealthy = latest != null && Boolean.FALSE.equals(latest.healthy());
    String reason = unhealthy ? "Mesos reports task " + t.id() + " unhealthy" : "";
    String prefix = options.serviceIdPrefix();
    int before = out.added;

    // Endpoints already registered for this task: a port in both DiscoveryInfo and resources once.
    Set<String> endpoints = new HashSet<>();
    if (t.discovery() != null) {
      List<DiscoveryPort> ports = t.discovery().ports();
      for (int k = 0; k < ports.size(); k++) {
        DiscoveryPort dp = ports.get(k);
        if (dp.name().isEmpty()) {
          continue; // mesos-consul registers only named discovery ports; unnamed ones come via resources
        }
        String[] ep = net.endpoint(dp.number(), scope(dp.labels()), hostIp, taskIp);
        int port = Integer.parseInt(ep[1]);
        if (!endpoints.add(ep[0] + " " + port)) {
          continue;
        }
        List<String> tags = new ArrayList<>(baseTags);
        addAll(tags, List.of(dp.name()));
        addAll(tags, csv(labelValue(dp.labels(), "tags")));
        String svc = Names.portName(name, k);
        out.add(hostIp, service(prefix + ":" + hostIp + ":" + svc + ":" + ep[0] + ":" + port, svc, ep[0],
            port, tags, t, unhealthy, reason), t.id());
      }
    }
    List<Integer> resourcePorts = selectedPorts(t, out);
    for (int k = 0; k < resourcePorts.size(); k++) {
      String[] ep = net.endpoint(resourcePorts.get(k), "", hostIp, taskIp);
      int port = Integer.parseInt(ep[1]);
      if (!endpoints.add(ep[0] + " " + port)) {
        continue;
      }
      String svc = Names.portName(name, k);
      out.add(hostIp, service(prefix + ":" + hostIp + ":" + svc + ":" + ep[0] + ":" + port, svc, ep[0], port,
          baseTags, t, unhealthy, reason), t.id());
    }
    if (out.added == before && endpoints.isEmpty()) {
      // mesos-consul's portless form, kept so that IDs survive a switch from mesos-consul.
      out.add(hostIp, service(prefix + ":" + hostIp + "-" + name + ":" + taskIp, name, taskIp, 0, baseTags, t,
          unhealthy, reason), t.id());
    }
    if (out.added > before) {
      out.registered++;
    }
  }

  private DesiredService service(String id, String name, String address, int port, List<String> tags,
                                 Task t, boolean unhealthy, String reason) {
    HealthCheck check = check(t, address, port);
    return new DesiredService(id, name, address, port, tags, checkMeta(t.id(), check), check, unhealthy,
        reason);
  }

  private static Map<String, String> checkMeta(String taskId, HealthCheck check) {
    Map<String, String> meta = new LinkedHashMap<>();
    if (taskId != null) {
      meta.put(DesiredService.META_TASK_ID, limit(taskId));
    }
    if (check != null) {
      meta.put(DesiredService.META_CHECK, limit(check.fingerprint()));
    }
    return meta;
  }

  /** Consul caps meta values at 512 characters; a long value is cut and made unique by a hash. */
  private static String limit(String value) {
    if (value.length() <= 512) {
      return value;
    }
    return value.substring(0, 480) + "#" + Integer.toHexString(value.hashCode());
  }

  private String taskServiceName(Task t) {
    String override = t.label("overrideTaskName");
    if (override != null && !override.isEmpty()) {
      return Names.serviceName(override, options.groupSeparator());
    }
    String raw = t.name();
    for (Pattern p : options.sharedServiceNames()) {
      Matcher m = p.matcher(raw);
      if (m.find() && m.group(1) != null && !m.group(1).isEmpty()) {
        raw = m.group(1);
        break;
      }
    }
    return Names.serviceName(raw, options.groupSeparator());
  }

  private List<Integer> selectedPorts(Task t, Builder out) {
    List<Integer> all = t.ports();
    String labelName = options.servicePortLabel();
    if (labelName.isEmpty() || all.isEmpty()) {
      return all;
    }
    String value = t.label(labelName);
    if (value == null) {
      return all;
    }
    List<Integer> chosen = new ArrayList<>();
    for (String idx : csv(value)) {
      try {
        int i = Integer.parseInt(idx);
        if (i < 0 || i >= all.size()) {
          out.warn("task " + t.id() + ": " + labelName + " index " + i + " outside its " + all.size() + " port(s)");
        } else if (!chosen.contains(all.get(i))) {
          chosen.add(all.get(i));
        }
      } catch (NumberFormatException e) {
        out.warn("task " + t.id() + ": " + labelName + " entry \"" + idx + "\" is not a port index");
      }
    }
    return chosen;
  }

  private String taskIp(TaskStatus running, String hostIp) {
    for (IpSource source : options.ipOrder()) {
      String ip = switch (source) {
        case HOST -> hostIp;
        case NETINFO -> running == null ? null : firstNetinfoIp(running);
        case MESOS -> running == null ? null : labelValue(running.labels(),
            "MesosContainerizer.NetworkSettings.IPAddress");
        case DOCKER -> running == null ? null : labelValue(running.labels(), "Docker.NetworkSettings.IPAddress");
      };
      if (ip != null && IpLiterals.isIp(ip)) {
        return IpLiterals.normalize(ip);
      }
    }
    return hostIp; // an order without "host" that finds nothing: the agent is still the best guess
  }

  private static String firstNetinfoIp(TaskStatus s) {
    for (NetworkInfo n : s.networkInfos()) {
      for (String ip : n.ipAddresses()) {
        if (IpLiterals.isIp(ip)) {
          return ip;
        }
      }
    }
    return null;
  }

  private HealthCheck check(Task t, String address, int port) {
    String interval = t.label("check_interval");
    interval = interval == null || interval.isBlank() ? HOST_CHECK_INTERVAL : interval.trim();
    String timeout = t.label("check_timeout");
    String http = t.label("check_http");
    if (http != null && !http.isBlank()) {
      return new HealthCheck(HealthCheck.Kind.HTTP, interpolate(http, urlHost(address), port), interval, timeout);
    }
    String script = t.label("check_script");
    if (script != null && !script.isBlank()) {
      return new HealthCheck(HealthCheck.Kind.SCRIPT, interpolate(script, address, port), interval, timeout);
    }
    String tcp = t.label("check_tcp");
    if (tcp != null && !tcp.isBlank()) {
      return new HealthCheck(HealthCheck.Kind.TCP, interpolate(tcp, urlHost(address), port), interval, timeout);
    }
    String ttl = t.label("check_ttl");
    if (ttl != null && !ttl.isBlank()) {
      return new HealthCheck(HealthCheck.Kind.TTL, "", ttl.trim(), "");
    }
    return null;
  }

  private static String interpolate(String template, String host, int port) {
    return template.replace("{host}", host).replace("{port}", Integer.toString(port));
  }

  /** The agent's IP as it appears in IDs and agent keys: IPv6 lower-cased, host names as given. */
  private static String hostIp(Agent a) {
    String h = a.pid().host();
    return IpLiterals.isIp(h) ? IpLiterals.normalize(h) : h;
  }

  private static HealthCheck httpCheck(String url) {
    return new HealthCheck(HealthCheck.Kind.HTTP, url, HOST_CHECK_INTERVAL, "");
  }

  private List<String> hostTags(List<String> roles) {
    if (options.serviceTags().isEmpty()) {
      return roles;
    }
    List<String> tags = new ArrayList<>();
    for (String suffix : options.serviceTags()) {
      for (String role : roles) {
        tags.add(role + "." + suffix);
      }
    }
    return tags;
  }

  private static boolean allowed(String name, Pattern white, Pattern black) {
    if (white != null && !white.matcher(name).find()) {
      return false;
    }
    return black == null || !black.matcher(name).find();
  }

  private static String scope(List<Label> labels) {
    String s = labelValue(labels, "network-scope");
    return s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
  }

  private static String labelValue(List<Label> labels, String key) {
    for (Label l : labels) {
      if (l.key().equalsIgnoreCase(key)) {
        return l.value();
      }
    }
    return null;
  }

  private static List<String> csv(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : value.split(",")) {
      String p = part.trim();
      if (!p.isEmpty() && !out.contains(p)) {
        out.add(p);
      }
    }
    return out;
  }

  private static void addAll(List<String> tags, List<String> more) {
    for (String t : more) {
      if (!tags.contains(t)) {
        tags.add(t);
      }
    }
  }

  static String urlHost(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /** How a task's ports reach the network: which host ports are published and where they lead. */
  private record Networking(Map<Integer, Integer> hostToContainer, Map<Integer, Integer> containerToHost,
                            Set<Integer> resourcePorts) {
    static Networking of(Task t, TaskStatus running) {
      Map<Integer, Integer> h2c = new HashMap<>();
      Map<Integer, Integer> c2h = new HashMap<>();
      List<PortMapping> all = new ArrayList<>();
      if (running != null) {
        for (NetworkInfo n : running.networkInfos()) {
          all.addAll(n.portMappings());
        }
      }
      Container c = t.container();
      if (c != null) {
        all.addAll(c.portMappings());
      }
      for (PortMapping m : all) {
        if (m.hostPort() > 0) {
          h2c.putIfAbsent(m.hostPort(), m.containerPort());
          c2h.putIfAbsent(m.containerPort(), m.hostPort());
        }
      }
      return new Networking(h2c, c2h, new HashSet<>(t.ports()));
    }

    /**
     * The address and port to register for port {@code n}. A host port (allocated from the
     * agent's port resources, published by a port mapping, or labelled {@code network-scope=host})
     * always pairs with the agent's IP, never with a container IP; a container port that a mapping
     * publishes becomes the agent's IP and the host port; any other port is the task's own, on the
     * task IP chosen by {@code --mesos-ip-order}.
     */
    String[] endpoint(int n, String scope, String hostIp, String taskIp) {
      if ("host".equals(scope)) {
        return new String[] {hostIp, Integer.toString(n)};
      }
      if ("container".equals(scope)) {
        return new String[] {taskIp, Integer.toString(n)};
      }
      if (hostToContainer.containsKey(n) || resourcePorts.contains(n)) {
        return new String[] {hostIp, Integer.toString(n)};
      }
      Integer published = containerToHost.get(n);
      if (published != null) {
        return new String[] {hostIp, Integer.toString(published)};
      }
      return new String[] {taskIp, Integer.toString(n)};
    }
  }

  /** Accumulates the plan; first registration of an ID on a host wins. */
  private static final class Builder {
    final Map<String, Map<String, DesiredService>> byHost = new HashMap<>();
    final List<String> warnings = new ArrayList<>();
    int running;
    int registered;
    int added;

    void add(String host, DesiredService s, String taskId) {
      Map<String, DesiredService> services = byHost.computeIfAbsent(host, h -> new LinkedHashMap<>());
      DesiredService existing = services.putIfAbsent(s.id(), s);
      if (existing == null) {
        added++;
      } else if (!existing.equals(s)) {
        warn("duplicate service ID " + s.id() + (taskId == null ? "" : " from task " + taskId)
            + " on " + host + "; kept the first");
      }
    }

    void warn(String w) {
      warnings.add(w);
    }
  }
}
