package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The budget's scheduling, driven by a fake clock and timer: no thread, no sleep. Members record what they were
 * told; a test plays the agent by finishing their reads.
 */
class WatchBudgetTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1000 * MS;

  /** A manual timer: tasks run when the test advances the clock past their time. */
  static final class FakeTimer implements WatchBudget.Timer {
    long now;
    private final List<long[]> times = new ArrayList<>();
    private final List<Runnable> tasks = new ArrayList<>();
    int idled;

    @Override
    public Runnable schedule(Runnable task, long delayNanos) {
      long[] at = {now + Math.max(0, delayNanos)};
      times.add(at);
      tasks.add(task);
      return () -> {
        int i = times.indexOf(at);
        if (i >= 0) {
          times.remove(i);
          tasks.remove(i);
        }
      };
    }

    @Override
    public void idle() {
      idled++;
    }

    void advance(long nanos) {
      long target = now + nanos;
      while (true) {
        int next = -1;
        for (int i = 0; i < times.size(); i++) {
          if (times.get(i)[0] <= target && (next < 0 || times.get(i)[0] < times.get(next)[0])) {
            next = i;
          }
        }
        if (next < 0) {
          break;
        }
        now = Math.max(now, times.remove(next)[0]);
        tasks.remove(next).run();
      }
      now = target;
    }
  }

  /** A member that records the budget's calls; its reads finish only when the test says so. */
  final class Member implements BudgetMember {
    final String name;
    volatile boolean subscribed;
    volatile boolean used;
    boolean parked;
    int polls;
    boolean polling;

    Member(String name) {
      this.name = name;
    }

    @Override
    public boolean subscribed() {
      return subscribed;
    }

    @Override
    public boolean recentlyUsed() {
      return used;
    }

    @Override
    public void park() {
      parked = true;
    }

    @Override
    public void unpark() {
      parked = false;
    }

    @Override
    public void poll() {
      polls++;
      polling = true;
    }

    /** The agent answered its rotation read. */
    void answer() {
      assertThat(polling).as(name + " was reading").isTrue();
      polling = false;
      budget.done(this, 0);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  FakeTimer timer;
  WatchBudget budget;

  @BeforeEach
  void setUp() {
    timer = new FakeTimer();
  }

  private WatchBudget budget(int connections) {
    budget = new WatchBudget(connections, Duration.ofSeconds(30), Duration.ofSeconds(1), () -> timer.now, timer);
    return budget;
  }

  private List<Member> join(int n) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Member m = new Member("q" + i);
      members.add(m);
      budget.done(m, 0); // after its first read
    }
    return members;
  }

  private static long parked(List<Member> members) {
    return members.stream().filter(m -> m.parked).count();
  }

  @Test
  void theFirstQueriesParkUpToTheSlotsAndTheRestRotateOnTheLanes() {
    budget(10); // 9 slots, 1 lane
    List<Member> members = join(30);
    assertThat(parked(members)).isEqualTo(9);
    assertThat(budget.parked()).isEqualTo(9);
    assertThat(members.subList(0, 9)).allMatch(m -> m.parked);
    // The 21 others wait one rotation interval, then are read one at a time (one lane).
    assertThat(members).noneMatch(m -> m.polls > 0);
    timer.advance(SECOND);
    assertThat(members.stream().filter(m -> m.polling).count()).isEqualTo(1);
    // Each answer frees the lane for the next one due: a full round in 21 answers, never two reads at once.
    for (int round = 0; round < 21; round++) {
      Member reading = members.stream().filter(m -> m.polling).findFirst().orElseThrow();
      reading.answer();
      assertThat(members.stream().filter(m -> m.polling).count()).isLessThanOrEqualTo(1);
    }
    assertThat(members.subList(9, 30)).allMatch(m -> m.polls == 1);
    // Nothing is due again before its interval has passed since its last read.
    assertThat(members).noneMatch(m -> m.polling);
    timer.advance(SECOND);
    assertThat(members.stream().filter(m -> m.polling).count()).isEqualTo(1);
  }

  @Test
  void subscribedThenRecentlyUsedQueriesTakeTheSlotsAtTheNextTick() {
    budget(10);
    List<Member> members = join(20);
    Member subscribed = members.get(15);
    Member used = members.get(16);
    subscribed.subscribed = true;
    used.used = true;
    timer.advance(WatchBudget.TICK_NANOS);
    assertThat(subscribed.parked).isTrue();
    assertThat(used.parked).isTrue();
    assertThat(parked(members)).isEqualTo(9);
    // The two youngest of the first nine gave their slots up and rotate now.
    assertThat(members.get(7).parked).isFalse();
    assertThat(members.get(8).parked).isFalse();
    assertThat(members.get(6).parked).isTrue();
    // Use changes: the subscription ends, the slot goes back by age.
    subscribed.subscribed = false;
    used.used = false;
    // (q7 was queued for rotation and may be reading: let it finish)
    finishReads(members);
    timer.advance(WatchBudget.TICK_NANOS);
    finishReads(members);
    assertThat(subscribed.parked).isFalse();
    assertThat(members.subList(0, 9)).allMatch(m -> m.parked);
  }

  private void finishReads(List<Member> members) {
    for (Member m : members) {
      if (m.polling) {
        m.answer();
      }
    }
  }

  @Test
  void a429HalvesTheBudgetUnparksTheLowestRankedAndItGrowsBack() {
    budget(16); // 14 slots, 2 lanes
    List<Member> members = join(20);
    assertThat(parked(members)).isEqualTo(14);
    budget.rejected("http://127.0.0.1:8500", "Your IP is issuing too many concurrent connections", 20);
    assertThat(budget.connections()).isEqualTo(8);
    assertThat(budget.rejections()).isEqualTo(1);
    assertThat(parked(members)).isEqualTo(BudgetLimit.slots(8)).isEqualTo(7);
    assertThat(members.subList(0, 7)).allMatch(m -> m.parked);
    // The same burst: counted, no further cut.
    budget.rejected("http://127.0.0.1:8500", "", 20);
    assertThat(budget.connections()).isEqualTo(8);
    assertThat(budget.rejections()).isEqualTo(2);
    // One connection back per 30 s; the ticks hand the new slots out.
    for (int i = 0; i < 8 * 30; i++) {
      timer.advance(SECOND);
      finishReads(members);
    }
    assertThat(budget.connections()).isEqualTo(16);
    assertThat(parked(members)).isEqualTo(14);
    assertThat(budget.parked()).isEqualTo(14);
  }

  @Test
  void aBackOffGivesTheSlotUpAndTheReadWaitsForIt() {
    budget(4); // 3 slots, 1 lane
    List<Member> members = join(3);
    Member m = members.get(0);
    budget.backOff(m, 5 * SECOND);
    m.parked = false; // the watch stops its parked loop itself
    assertThat(budget.parked()).isEqualTo(2);
    timer.advance(4 * SECOND);
    assertThat(m.polls).isZero();
    timer.advance(SECOND);
    assertThat(m.polling).isTrue();
    m.answer(); // a free slot: parked again
    assertThat(m.parked).isTrue();
    assertThat(budget.parked()).isEqualTo(3);
  }

  @Test
  void leavingFreesEverythingAndTheTimerIsReleased() {
    budget(2);
    List<Member> members = join(5);
    timer.advance(SECOND);
    for (Member m : members) {
      budget.leave(m);
    }
    assertThat(budget.members()).isZero();
    assertThat(budget.parked()).isZero();
    assertThat(budget.polling()).isZero();
    assertThat(timer.idled).isEqualTo(1);
    assertThat(timer.tasks).isEmpty();
  }

  @Test
  void oneBudgetSharedByTwoDiscoveriesCountsBoth() {
    budget(6); // 5 slots
    List<Member> first = join(4);
    List<Member> second = join(4);
    assertThat(parked(first) + parked(second)).isEqualTo(5);
  }

  private WatchBudget budget(int connections, boolean parkedCostsNoThread) {
    budget = new WatchBudget(connections, Duration.ofSeconds(30), Duration.ofSeconds(1),
        WatchBudget.DEFAULT_FEED_REFRESH, () -> timer.now, timer, bound -> bound, parkedCostsNoThread);
    return budget;
  }

  @Test
  void overHttp2OnVirtualThreadsEveryQueryParksUntilAnAgentAnswersOverHttp11() {
    budget(8, true); // 7 slots, 1 lane, counted as connections
    List<Member> members = join(30);
    assertThat(parked(members)).as("before any agent said which protocol it speaks").isEqualTo(7);
    assertThat(budget.multiplexed()).isFalse();

    // The agent answers over h2: a parked query is a stream, 100 of them count as one connection.
    budget.answeredOver("https://127.0.0.1:8501", true);
    assertThat(budget.multiplexed()).isTrue();
    assertThat(members).allMatch(m -> m.parked);
    assertThat(budget.parked()).isEqualTo(30);
    timer.advance(SECOND);
    assertThat(members).as("nothing left to rotate").noneMatch(m -> m.polling);

    // A 429 still halves the connections, and 4 of them still hold every stream.
    budget.rejected("https://127.0.0.1:8501", "too many", 1);
    assertThat(budget.connections()).isEqualTo(4);
    assertThat(budget.parked()).isEqualTo(30);

    // A second agent of the same budget answers over HTTP/1.1: one connection per parked query again.
    budget.answeredOver("http://127.0.0.1:8500", false);
    assertThat(budget.multiplexed()).isFalse();
    assertThat(budget.parked()).isEqualTo(BudgetLimit.slots(4));
    assertThat(parked(members)).isEqualTo(BudgetLimit.slots(4));
  }

  @Test
  void overHttp2OnPlatformThreadsTheBudgetStillBoundsTheParkedCalls() {
    budget(8, false); // Java 17-23: each parked call holds a thread
    List<Member> members = join(30);
    budget.answeredOver("https://127.0.0.1:8501", true);
    assertThat(budget.multiplexed()).isFalse();
    timer.advance(WatchBudget.TICK_NANOS);
    assertThat(parked(members)).isEqualTo(7);
  }
}
