package dev.discovery.spring.health;

import dev.discovery.consul.ConsulAgent;
import dev.discovery.consul.ConsulAgentException;
import dev.discovery.spring.cloud.ServiceCatalogReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the first agent whether it answers and accepts the ACL token (one catalog read). A refused token is
 * logged once at WARN when first seen, and once at INFO when accepted again, however often the health
 * endpoint is called; the log and the result never contain the token, only Consul's reason.
 */
public final class AgentProbe {
  private static final Logger LOG = LoggerFactory.getLogger(AgentProbe.class);
  private final ServiceCatalogReader catalog;
  private boolean refused;

  /** The outcome of one probe. */
  public record Result(boolean reachable, boolean tokenRefused, String error) {}

  /** A probe of the agent {@code catalog} reads from. */
  public AgentProbe(ServiceCatalogReader catalog) {
    this.catalog = catalog;
  }

  /** The agent's address, for the health details. */
  public String agent() {
    ConsulAgent agent = catalog.agent();
    return String.valueOf(agent.uri());
  }

  /** Probes the agent now (one HTTP request, bounded by the agent client's time-out). */
  public Result probe() {
    try {
      catalog.serviceNames();
      noteRefused(false, null);
      return new Result(true, false, null);
    } catch (ConsulAgentException e) {
      boolean tokenRefused = e.status() == 401 || e.status() == 403;
      noteRefused(tokenRefused, e.getMessage());
      return new Result(e.status() != 0, tokenRefused, e.getMessage());
    } catch (IllegalStateException e) {
      return new Result(false, false, e.getMessage()); // the agent client is closed: the context is closing
    }
  }

  /** One WARN when the token starts being refused, one INFO when it is accepted again; other failures change nothing. */
  private synchronized void noteRefused(boolean now, String message) {
    if (now && !refused) {
      LOG.warn("{}; check discovery.consul.token / discovery.consul.token-file (or CONSUL_HTTP_TOKEN)", message);
      refused = true;
    } else if (message == null && refused) {
      LOG.info("consul agent {} accepts the ACL token again", agent());
      refused = false;
    }
  }
}
