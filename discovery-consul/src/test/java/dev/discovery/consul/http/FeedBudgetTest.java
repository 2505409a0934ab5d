package dev.discovery.consul.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.FakeScheduler;
import dev.discovery.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a {@link WatchBudget} schedules a change feed and the queries it covers, on a fake clock and scheduler: when
 * the feed gets its slots, that its members rest until it names them (or the safety net comes), and that they go
 * back to the rotation when it fails. Members and feed record what they were told; the test plays the agent.
 */
class FeedBudgetTest {
  private static final Duration ROTATION = Duration.ofSeconds(1);
  private static final Duration REFRESH = Duration.ofMinutes(10);

  FakeTicker ticker;
  FakeScheduler scheduler;
  WatchBudget budget;
  Feed feed;

  final class Feed implements FeedMember {
    int starts;
    int stops;
    boolean running;

    @Override
    public int connections() {
      return 2;
    }

    @Override
    public void start() {
      starts++;
      running = true;
    }

    @Override
    public void stop() {
      stops++;
      running = false;
    }
  }

  final class Member implements BudgetMember {
    final String service;
    final FeedMember covering;
    boolean parked;
    boolean polling;
    int polls;

    Member(String service, FeedMember covering) {
      this.service = service;
      this.covering = covering;
    }

    @Override
    public boolean subscribed() {
      return false;
    }

    @Override
    public boolean recentlyUsed() {
      return false;
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

    @Override
    public FeedMember feed() {
      return covering;
    }

    @Override
    public String service() {
      return service;
    }

    void answer() {
      assertThat(polling).as(service + " was reading").isTrue();
      polling = false;
      budget.done(this, 0);
    }
  }

  @BeforeEach
  void setUp() {
    ticker = new FakeTicker();
    scheduler = new FakeScheduler(ticker);
    WatchBudget.Timer timer = (task, delayNanos) -> {
      ScheduledFuture<?> f = scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
    // budget 8: 1 lane, 7 slots; the safety net's spread is its full half (the longest rest)
    budget = new WatchBudget(8, Duration.ofSeconds(30), ROTATION, REFRESH, ticker::read, timer, bound -> bound);
    feed = new Feed();
  }

  /** Joins n members covered by the feed; each first read answered at once. */
  private List<Member> join(int n) {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Member m = new Member("svc-" + i, feed);
      members.add(m);
      budget.done(m, 0); // its first read, outside the budget
    }
    return members;
  }

  /** Plays the agent for the lane: answers every read in flight, repeatedly, without moving the clock. */
  private void answerReads(List<Member> members) {
    for (int round = 0; round < 100; round++) {
      boolean any = false;
      for (Member m : members) {
        if (m.polling) {
          m.answer();
          any = true;
        }
      }
      if (!any) {
        return;
      }
    }
    throw new AssertionError("reads kept coming: " + budget + " polls " + totalPolls(members));
  }

  private int totalPolls(List<Member> members) {
    return members.stream().mapToInt(m -> m.polls).sum();
  }

  @Test
  void theFeedGetsTwoSlotsWhenMoreQueriesAreOutsideThanItCostsAndItsMembersRestOnItsWord() {
    List<Member> members = join(20);
    assertThat(budget.parked()).isEqualTo(7);
    assertThat(feed.starts).isZero();

    scheduler.advance(Duration.ofSeconds(1)); // the ranking tick: 13 outside, more than the feed's 2
    assertThat(feed.starts).isEqualTo(1);
    assertThat(budget.parked()).as("two slots went to the feed").isEqualTo(5);
    assertThat(members.stream().filter(m -> m.parked).count()).isEqualTo(5);
    answerReads(members);

    int before = totalPolls(members);
    budget.feedReady(feed); // baseline in: every covered query is read once after it
    answerReads(members);
    assertThat(totalPolls(members) - before).as("one read each after the baseline").isEqualTo(15);
    assertThat(budget.resting()).isEqualTo(15);

    // A minute of quiet: no read at all (the rotation would have read each one 60 times).
    before = totalPolls(members);
    for (int s = 0; s < 60; s++) {
      scheduler.advance(Duration.ofSeconds(1));
      answerReads(members);
    }
    assertThat(totalPolls(members) - before).isZero();

    // The feed names one service: only its query is read (a parked one needs nothing).
    Member outside = members.get(19);
    budget.feedChanged(feed, new FeedDiff.Changes(false, Set.of("svc-19", "svc-0")));
    assertThat(outside.polling).isTrue();
    assertThat(members.get(0).polls).as("parked: its own blocking query sees it").isZero();
    answerReads(members);
    assertThat(totalPolls(members) - before).isEqualTo(1);

    // The safety net: each covered query is read once per refresh at most (here exactly the refresh).
    before = totalPolls(members);
    scheduler.advance(REFRESH.minusSeconds(62));
    answerReads(members);
    assertThat(totalPolls(members) - before).as("before the safety net").isZero();
    scheduler.advance(Duration.ofSeconds(62));
    for (int s = 0; s < 5; s++) {
      answerReads(members);
      scheduler.advance(Duration.ofSeconds(1));
    }
    assertThat(totalPolls(members) - before).as("each covered query once").isEqualTo(15);
  }

  @Test
  void aNameDuringARotationReadReadsItAgainAfterwards() {
    List<Member> members = join(20);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    Member m = members.get(19);
    assertThat(m.polling).isFalse();
    budget.feedReady(feed); // wakes everyone; the lane takes them one at a time
    // Find svc-19 in its read, name it then: its answer may predate the change, so it is read once more.
    for (int i = 0; i < 20 && !m.polling; i++) {
      members.stream().filter(x -> x.polling).findFirst().ifPresent(Member::answer);
    }
    assertThat(m.polling).isTrue();
    int polls = m.polls;
    budget.feedChanged(feed, new FeedDiff.Changes(false, Set.of("svc-19")));
    m.answer();
    answerReads(members);
    assertThat(m.polls).isEqualTo(polls + 1);
  }

  @Test
  void whenTheFeedFailsItsMembersGoBackToTheRotationAndItStartsAgainAfterItsBackOff() {
    List<Member> members = join(20);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    budget.feedReady(feed);
    answerReads(members);
    assertThat(budget.resting()).isEqualTo(15);

    feed.running = false; // the feed stopped itself, then says so
    budget.feedLost(feed, Duration.ofSeconds(5).toNanos());
    assertThat(budget.feeds()).isZero();
    assertThat(budget.resting()).as("due within a rotation interval again").isZero();
    int before = totalPolls(members);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    assertThat(totalPolls(members) - before).as("the rotation reads every uncovered query").isGreaterThanOrEqualTo(13);
    assertThat(budget.parked()).as("the freed slots go to queries").isEqualTo(7);

    scheduler.advance(Duration.ofSeconds(3));
    answerReads(members);
    assertThat(feed.starts).as("not before its back-off").isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(2));
    answerReads(members);
    assertThat(feed.starts).isEqualTo(2);
    assertThat(budget.parked()).isEqualTo(5);
    // Not vouching yet: its members keep rotating until it is ready again.
    before = totalPolls(members);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    assertThat(totalPolls(members) - before).isGreaterThan(0);
    // Until it is ready again a report lets nobody rest.
    budget.feedChanged(feed, FeedDiff.Changes.ALL);
    assertThat(budget.resting()).isZero();
  }

  @Test
  void fewQueriesOutsideTheSlotsGetNoFeedAndTheLastMemberLeavingStopsIt() {
    List<Member> members = join(9); // 7 parked, 2 outside: no more than the feed's 2 connections
    scheduler.advance(Duration.ofSeconds(2));
    answerReads(members);
    assertThat(feed.starts).isZero();
    assertThat(budget.parked()).isEqualTo(7);

    List<Member> more = join(5);
    members.addAll(more);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    assertThat(feed.running).isTrue();
    for (Member m : members) {
      budget.leave(m);
    }
    assertThat(feed.running).isFalse();
    assertThat(feed.stops).isEqualTo(1);
  }

  @Test
  void aQueryWithoutAFeedIsReadInTurnBesideCoveredOnes() {
    List<Member> members = join(20);
    Member alone = new Member("lonely", null);
    budget.done(alone, 0);
    members.add(alone);
    scheduler.advance(Duration.ofSeconds(1));
    answerReads(members);
    budget.feedReady(feed);
    answerReads(members);
    int polls = alone.polls;
    for (int s = 0; s < 3; s++) {
      scheduler.advance(Duration.ofSeconds(1));
      answerReads(members);
    }
    assertThat(alone.polls - polls).as("once per rotation interval").isEqualTo(3);
  }
}
