package dev.discovery.consul.http;

import dev.discovery.consul.ConsulEnvironment;
import dev.discovery.consul.ConsulTls;
import dev.discovery.consul.internal.AgentAddress;
import dev.discovery.consul.internal.Credentials;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The builder's settings resolved against the environment, frozen. The token is held here and only ever
 * put into a request header; {@link #toString()} leaves it out.
 */
final class HttpOptions {
  final List<URI> agents;
  final Credentials credentials;
  final String datacenter;
  final Duration waitTime;
  final boolean stale;
  final boolean cached;
  final String filter;
  final Map<String, String> nodeMeta;
  final String near;
  final String taggedAddress;
  final ConsulTls tls;
  final long maxBodyBytes;
  final Duration minRequestInterval;
  final Duration minBackoff;
  final Duration maxBackoff;
  final Duration connectTimeout;
  final Duration requestTimeout;
  final okhttp3.OkHttpClient httpClient;
  /** A budget shared with other discoveries, or null: then one of {@link #budgetConnections} of its own. */
  final WatchBudget watchBudget;
  final int budgetConnections;
  final Duration rotationInterval;
  final boolean changeFeed;

  private HttpOptions(ConsulHttpBuilder b, List<URI> agents, Credentials credentials, ConsulTls tls) {
    this.agents = List.copyOf(agents);
    this.credentials = credentials;
    this.datacenter = b.datacenter;
    this.waitTime = b.waitTime;
    this.stale = b.stale;
    this.cached = b.cached;
    this.filter = b.filter;
    this.nodeMeta = Map.copyOf(b.nodeMeta);
    this.near = b.near;
    this.taggedAddress = b.taggedAddress;
    this.tls = tls;
    this.maxBodyBytes = b.maxBodyBytes;
    this.minRequestInterval = b.minRequestInterval;
    this.minBackoff = b.minBackoff;
    this.maxBackoff = b.maxBackoff;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.httpClient = b.httpClient;
    this.watchBudget = b.watchBudget;
    this.budgetConnections = b.budgetConnections;
    this.rotationInterval = b.rotationInterval;
    this.changeFeed = b.changeFeed;
  }

  static HttpOptions from(ConsulHttpBuilder b) {
    ConsulEnvironment env = b.environment;
    List<URI> agents = b.agents.isEmpty() ? List.of(AgentAddress.check(env.address())) : b.agents;
    Credentials credentials = Credentials.of(
        Credentials.resolveToken(b.tokenSet, b.token, b.tokenFile, env), b.user, b.password);
    // TLS from the builder wins over the CONSUL_CACERT... variables, as every other setting does.
    ConsulTls tls = b.tls != null ? b.tls : env.tls().orElse(null);
    return new HttpOptions(b, agents, credentials, tls);
  }



  /** The backend's description: protocol and agents, never the token. */
  String describe() {
    StringBuilder s = new StringBuilder("consul-http ");
    for (int i = 0; i < agents.size(); i++) {
      if (i > 0) {
        s.append(',');
      }
      s.append(agents.get(i));
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return describe() + " (" + credentials + ")";
  }
}
