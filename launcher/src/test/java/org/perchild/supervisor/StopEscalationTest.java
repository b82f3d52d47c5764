package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** httpd's escalation table: TERM at 3, 5 and 7 s, KILL at 9 s, after the grace. */
class StopEscalationTest {

  private static long at(Duration elapsed) {
    return elapsed.toNanos();
  }

  @Test
  void eachStepIsDueAtItsSecondInOrder() {
    StopEscalation escalation = new StopEscalation(0);
    assertNull(escalation.due(0, at(Duration.ofMillis(2999))));
    assertEquals(new StopEscalation.Step(3, 15), escalation.due(0, at(Duration.ofSeconds(3))));
    assertNull(escalation.due(1, at(Duration.ofMillis(4999))));
    assertEquals(new StopEscalation.Step(5, 15), escalation.due(1, at(Duration.ofSeconds(5))));
    assertEquals(new StopEscalation.Step(7, 15), escalation.due(2, at(Duration.ofSeconds(7))));
    assertEquals(new StopEscalation.Step(9, 9), escalation.due(3, at(Duration.ofSeconds(9))));
    assertNull(escalation.due(4, at(Duration.ofHours(1))), "nothing after the KILL");
  }

  @Test
  void aLateTurnTakesOneStepAtATime() {
    StopEscalation escalation = new StopEscalation(0);
    assertEquals(3, escalation.due(0, at(Duration.ofSeconds(60))).seconds());
    assertEquals(5, escalation.due(1, at(Duration.ofSeconds(60))).seconds());
  }

  @Test
  void theGraceComesFirstAndTheLogSaysTheWholeWait() {
    StopEscalation escalation = new StopEscalation(10);
    assertNull(escalation.due(0, at(Duration.ofMillis(12999))));
    StopEscalation.Step first = escalation.due(0, at(Duration.ofSeconds(13)));
    assertEquals(13, escalation.afterSeconds(first));
    assertEquals("SIGTERM", first.signalName());
    assertEquals("SIGKILL", StopEscalation.STEPS.get(3).signalName());
  }

  @Test
  void withoutALimitNothingIsEverDue() {
    assertNull(new StopEscalation(-1).due(0, at(Duration.ofDays(1))));
  }
}
