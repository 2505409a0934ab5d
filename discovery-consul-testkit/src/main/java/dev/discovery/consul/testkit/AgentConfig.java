package dev.discovery.consul.testkit;

import java.time.Duration;
import java.util.Set;

/** Everything a {@link ConsulTestAgent.Builder} collects; immutable. */
record AgentConfig(
    String bindAddress,
    int httpPort,
    int dnsPort,
    String datacenter,
    String nodeName,
    String nodeAddress,
    String domain,
    String altDomain,
    Set<String> aclTokens,
    boolean onlyPassing,
    boolean enableTruncate,
    int udpAnswerLimit,
    long serviceTtlSeconds,
    boolean enableScriptChecks,
    Duration reapInterval,
    Duration deregisterCriticalMinimum,
    Duration checkUpdateInterval,
    boolean runChecks) {

  boolean aclEnabled() {
    return !aclTokens.isEmpty();
  }

  AgentConfig withPorts(int http, int dns) {
    return new AgentConfig(bindAddress, http, dns, datacenter, nodeName, nodeAddress, domain, altDomain, aclTokens,
        onlyPassing, enableTruncate, udpAnswerLimit, serviceTtlSeconds, enableScriptChecks, reapInterval, deregisterCriticalMinimum,
        checkUpdateInterval, runChecks);
  }

  /** Tokens are secrets: never print them. */
  @Override
  public String toString() {
    return "AgentConfig[bind=" + bindAddress + ", http=" + httpPort + ", dns=" + dnsPort + ", dc=" + datacenter
        + ", node=" + nodeName + ", domain=" + domain + ", acl=" + aclEnabled() + "]";
  }
}
