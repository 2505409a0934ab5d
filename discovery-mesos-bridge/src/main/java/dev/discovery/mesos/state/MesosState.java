package dev.discovery.mesos.state;

import java.util.List;

/**
 * The part of a Mesos master's {@code /master/state} document the bridge uses. {@code leader} is
 * the leading master's pid ({@code master@10.0.5.220:5050}), or null when the master knows none;
 * {@code pid} is the answering master's own pid, or null.
 */
public record MesosState(String leader, String pid, List<Agent> agents, List<Framework> frameworks) {
  /** Creates a state; lists are copied. */
  public MesosState {
    agents = List.copyOf(agents);
    frameworks = List.copyOf(frameworks);
  }

  /** Whether the answering master says it is the leader (unknown counts as yes). */
  public boolean fromLeader() {
    return leader == null || pid == null || leader.equals(pid);
  }

  /** Number of tasks in all frameworks, whatever their state. */
  public int taskCount() {
    int n = 0;
    for (Framework f : frameworks) {
      n += f.tasks().size();
    }
    return n;
  }
}
