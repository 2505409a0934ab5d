package dev.discovery.consul.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The bound on TCP questions in flight to one server: never more than the limit on dnsjava's one connection, the
 * rest sent as answers come back, and one at a time after a question lost its connection until one is answered.
 */
class TcpLaneTest {
  private final List<CompletableFuture<String>> sent = new ArrayList<>();

  private CompletableFuture<String> submit(TcpLane lane) {
    return lane.submit(() -> {
      CompletableFuture<String> reply = new CompletableFuture<>();
      sent.add(reply);
      return reply;
    }, e -> e instanceof EOFException);
  }

  @Test
  void atMostTheLimitIsInFlightAndTheRestFollowAsAnswersArrive() {
    TcpLane lane = new TcpLane(16);
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 121; i++) {
      results.add(submit(lane));
    }
    assertThat(sent).hasSize(16);
    assertThat(lane.inFlight()).isEqualTo(16);
    sent.get(0).complete("a");
    assertThat(results.get(0)).isCompletedWithValue("a");
    assertThat(sent).hasSize(17);
    for (int i = 1; i < 121; i++) {
      sent.get(i).complete("r" + i);
    }
    assertThat(results).allMatch(CompletableFuture::isDone);
    assertThat(lane.inFlight()).isZero();
  }

  @Test
  void afterALostConnectionOneQuestionGoesAtATimeUntilOneIsAnswered() {
    TcpLane lane = new TcpLane(4);
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      results.add(submit(lane));
    }
    sent.get(0).completeExceptionally(new EOFException());
    assertThat(results.get(0)).isCompletedExceptionally();
    // The slot freed by the lost one is not reused while the other three are in flight: limit 1 now.
    assertThat(sent).hasSize(4);
    for (int i = 1; i < 4; i++) {
      sent.get(i).completeExceptionally(new EOFException());
    }
    assertThat(sent).as("one probe").hasSize(5);
    sent.get(4).complete("answered");
    assertThat(sent).as("back to the limit").hasSize(9);
    assertThat(lane.inFlight()).isEqualTo(4);
  }
}
