package dev.discovery.mesos.bridge;

import dev.discovery.consul.AgentCheck;
import dev.discovery.consul.AgentService;
import dev.discovery.consul.CheckDefinition;
import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.ServiceRegistration;
import dev.discovery.mesos.plan.DesiredService;
import dev.discovery.mesos.plan.HealthCheck;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ConsulAgents} over the project's {@link ConsulAgent} client: one client per agent key, all
 * sharing one connection pool, created on first use and kept (mesos-consul cached its clients the
 * same way; the count is bounded by the number of Mesos hosts).
 */
final class ConsulAgentPool implements ConsulAgents {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulAgentPool.class);

  private final Function<String, URI> addressOf;
  private final String token;
  private final Path tokenFile;
  private final Duration timeout;
  private final ConsulTls tls;
  private final String authUser;
  private final String authPassword;
  private final Map<String, ConsulAgent> clients = new ConcurrentHashMap<>();
  private ConsulAgent first;

  /**
   * @param addressOf maps an agent key to the agent's URL
   * @param token the ACL token, or null
   * @param tokenFile a file holding the token, or null
   * @param tls HTTPS trust settings, or null for the JDK's defaults
   */
  ConsulAgentPool(Function<String, URI> addressOf, String token, Path tokenFile, Duration timeout, ConsulTls tls) {
    this(addressOf, token, tokenFile, timeout, tls, null, null);
  }

  /** As above, plus HTTP basic credentials ({@code authUser} null for none). */
  ConsulAgentPool(Function<String, URI> addressOf, String token, Path tokenFile, Duration timeout, ConsulTls tls,
                  String authUser, String authPassword) {
    this.addressOf = addressOf;
    this.token = token;
    this.tokenFile = tokenFile;
    this.timeout = timeout;
    this.tls = tls;
    this.authUser = authUser;
    this.authPassword = authPassword;
  }

  /** The TLS settings the agents are asked with, or null for plain HTTP; for tests. */
  ConsulTls tls() {
    return tls;
  }

  /** The pool the command line asks for: token, time-out, TLS (CA, client certificate, or no verification), basic auth. */
  static ConsulAgentPool from(BridgeConfig cfg) {
    ConsulTls tls = null;
    if (cfg.consulSslInsecure) {
      // As Go's InsecureSkipVerify in mesos-consul: a CA given as well does not turn verification back on.
      tls = ConsulTls.insecure();
    } else if (cfg.consulSslCacert != null) {
      tls = ConsulTls.trusting(cfg.consulSslCacert);
    }
    if (tls == null && cfg.consulSslCert != null) {
      tls = ConsulTls.systemTrust();
    }
    if (tls != null && cfg.consulSslCert != null) {
      tls = tls.withClientCertificate(cfg.consulSslCert, cfg.consulSslCert);
    }
    return new ConsulAgentPool(cfg::agentUri, cfg.consulToken, cfg.consulTokenFile, cfg.consulTimeout, tls,
        cfg.consulAuthUser, cfg.consulAuthPassword);
  }

  private ConsulAgent client(String agent) {
    ConsulAgent c = clients.get(agent);
    if (c != null) {
      return c;
    }
    synchronized (this) {
      return clients.computeIfAbsent(agent, a -> {
        ConsulAgent.Builder b = ConsulAgent.builder()
            .environment(dev.discovery.consul.ConsulEnvironment.none())
            .uri(addressOf.apply(a)).timeout(timeout);
        if (token != null) {
          b.token(token);
        } else if (tokenFile != null) {
          b.tokenFile(tokenFile);
        }
        if (tls != null) {
          b.tls(tls);
        }
        if (authUser != null) {
          b.basicAuth(authUser, authPassword);
        }
        if (first != null) {
          b.sharingConnectionsWith(first);
        }
        ConsulAgent built = b.build();
        if (first == null) {
          first = built;
        }
        return built;
      });
    }
  }

  /** Two reads: the services, then the checks, whose {@code _service_maintenance:<id>} entries mark maintenance. */
  @Override
  public List<RemoteService> services(String agent) throws AgentCallException {
    try {
      ConsulAgent c = client(agent);
      List<AgentService> services = c.services();
      Set<String> inMaintenance = new HashSet<>();
      for (AgentCheck check : c.checks()) {
        if (check.serviceMaintenance()) {
          inMaintenance.add(check.serviceId());
        }
      }
      List<RemoteService> out = new ArrayList<>(services.size());
      for (AgentService s : services) {
        out.add(new RemoteService(s.id(), s.name(), s.address(), s.port(), s.tags(), s.meta(),
            inMaintenance.contains(s.id())));
      }
      return out;
    } catch (ConsulAgentException e) {
      throw wrap(e);
    }
  }

  @Override
  public void register(String agent, DesiredService s) throws AgentCallException {
    ServiceRegistration.Builder b = ServiceRegistration.builder(s.name()).id(s.id()).address(s.address())
        .port(s.port()).tags(s.tags()).meta(s.meta());
    if (s.check() != null) {
      try {
        CheckDefinition check = check(s.check());
        if (check != null) {
          b.check(check);
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("service {}: check \"{}\" unusable ({}); registered without it", s.id(), s.check().fingerprint(),
            e.getMessage());
      }
    }
    ServiceRegistration reg;
    try {
      reg = b.build();
    } catch (IllegalArgumentException e) {
      throw new AgentCallException("service " + s.id() + " cannot be registered: " + e.getMessage(), false, e);
    }
    try {
      client(agent).registerService(reg);
    } catch (ConsulAgentException e) {
      throw wrap(e);
    }
  }

  private static CheckDefinition check(HealthCheck c) {
    Duration interval = GoDuration.parse(c.interval());
    CheckDefinition d = switch (c.kind()) {
      case HTTP -> CheckDefinition.http(c.target(), interval);
      case TCP -> CheckDefinition.tcp(c.target(), interval);
      case TTL -> CheckDefinition.ttl(interval);
      case SCRIPT -> throw new IllegalArgumentException("script checks are not supported by the agent client "
          + "(Consul disables them by default); use check_http or check_tcp");
    };
    if (!c.timeout().isEmpty() && c.kind() != HealthCheck.Kind.TTL) {
      d = d.timeout(GoDuration.parse(c.timeout()));
    }
    return d;
  }

  @Override
  public void deregister(String agent, String serviceId) throws AgentCallException {
    try {
      client(agent).deregisterService(serviceId);
    } catch (ConsulAgentException e) {
      if (e.notFound()) {
        return; // already gone: the goal is reached
      }
      throw wrap(e);
    } catch (IllegalArgumentException e) {
      throw new AgentCallException(e.getMessage(), false, e);
    }
  }

  @Override
  public void maintenance(String agent, String serviceId, boolean enable, String reason) throws AgentCallException {
    try {
      client(agent).maintenance(serviceId, enable, reason);
    } catch (ConsulAgentException e) {
      throw wrap(e);
    } catch (IllegalArgumentException e) {
      throw new AgentCallException(e.getMessage(), false, e);
    }
  }

  @Override
  public String describe(String agent) {
    return addressOf.apply(agent).toString();
  }

  /**
   * Keeps the agent's status: 0 (not reached) is the only unreachable case; any status means the agent answered,
   * and the message (the request, the status, Consul's text and a hint) says what it answered.
   */
  private static AgentCallException wrap(ConsulAgentException e) {
    return new AgentCallException(e.getMessage() + bridgeHint(e), e.status(), e);
  }

  /** The library's hint names its own settings; this names the bridge's flags for the same thing. */
  private static String bridgeHint(ConsulAgentException e) {
    if (e.status() == 0 && AgentCallException.tlsFailure(e)) {
      return "; the bridge's flags: --consul-ssl-cacert (the CA that signed the agents' certificates),"
          + " --consul-ssl-verify, and --consul-ssl or the scheme of --consul-agent";
    }
    if (e.status() == 401) {
      return "; the bridge's flag: --consul-auth=user:password";
    }
    return "";
  }

  @Override
  public synchronized void close() {
    for (ConsulAgent c : clients.values()) {
      c.close();
    }
    clients.clear();
    first = null;
  }
}
