package dev.discovery.consul.http;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * The agents in order of preference and the one currently used. Every watch uses the current agent; the
 * first watch whose connection fails moves everyone to the next (a compare-and-set on the position it
 * used, so a hundred failing watches move it once, not a hundred times).
 */
final class AgentRotation {
  private final List<HttpUrl> agents;
  private final AtomicInteger position = new AtomicInteger();

  AgentRotation(List<URI> agents) {
    this.agents = agents.stream().map(HttpUrl::get).toList();
  }

  int size() {
    return agents.size();
  }

  /** The position of the agent to use now. */
  int current() {
    return Math.floorMod(position.get(), agents.size());
  }

  HttpUrl agent(int position) {
    return agents.get(Math.floorMod(position, agents.size()));
  }

  /** The agent at {@code failed} could not be reached: move to the next one unless someone already did. */
  void failed(int failed) {
    int raw = position.get();
    if (Math.floorMod(raw, agents.size()) == failed) {
      position.compareAndSet(raw, raw + 1);
    }
  }
}
