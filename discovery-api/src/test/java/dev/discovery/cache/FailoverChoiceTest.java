package dev.discovery.cache;

import static dev.discovery.cache.FailoverChoice.Candidate.UNAVAILABLE;
import static dev.discovery.cache.FailoverChoice.Candidate.UNKNOWN;
import static dev.discovery.cache.FailoverChoice.Candidate.answered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.discovery.cache.FailoverChoice.Decision;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverChoiceTest {
  @Test
  void theOwnDatacenterWithEnoughInstancesNeedsNoFallback() {
    assertThat(FailoverChoice.decide(2, 2, List.of(UNKNOWN, UNKNOWN)))
        .isEqualTo(new Decision(FailoverChoice.PRIMARY, List.of()));
  }

  @Test
  void belowTheMinimumTheFirstFallbackMustAnswerBeforeAnyLaterOneIsConsidered() {
    assertThat(FailoverChoice.decide(2, 1, List.of(UNKNOWN, answered(5))))
        .isEqualTo(new Decision(FailoverChoice.WAIT, List.of(0)));
  }

  @Test
  void theFirstFallbackWithEnoughIsServedAndLaterOnesAreNotNeeded() {
    assertThat(FailoverChoice.decide(2, 0, List.of(answered(1), answered(2), answered(9))))
        .isEqualTo(new Decision(1, List.of(0, 1)));
  }

  @Test
  void anUnavailableFallbackIsSkipped() {
    assertThat(FailoverChoice.decide(1, 0, List.of(UNAVAILABLE, answered(1))))
        .isEqualTo(new Decision(1, List.of(1)));
    assertThat(FailoverChoice.decide(1, 0, List.of(UNAVAILABLE, UNKNOWN)))
        .isEqualTo(new Decision(FailoverChoice.WAIT, List.of(1)));
  }

  @Test
  void whenNoneHasEnoughTheMostIsServedAndTheOwnDatacenterWinsATie() {
    assertThat(FailoverChoice.decide(3, 1, List.of(answered(2), answered(2), answered(0))))
        .isEqualTo(new Decision(0, List.of(0, 1, 2)));
    assertThat(FailoverChoice.decide(3, 2, List.of(answered(2), UNAVAILABLE)))
        .isEqualTo(new Decision(FailoverChoice.PRIMARY, List.of(0)));
    assertThat(FailoverChoice.decide(1, 0, List.of(UNAVAILABLE)))
        .isEqualTo(new Decision(FailoverChoice.PRIMARY, List.of()));
  }
}
