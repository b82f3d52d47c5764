package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RespawnBackoffTest {

  @Test
  void aFirstCrashIsReplacedAtOnceThenTheWaitDoublesUpToAMinute() {
    assertEquals(Duration.ZERO, RespawnBackoff.delay(1, false));
    assertEquals(Duration.ofSeconds(1), RespawnBackoff.delay(2, false));
    assertEquals(Duration.ofSeconds(2), RespawnBackoff.delay(3, false));
    assertEquals(Duration.ofSeconds(4), RespawnBackoff.delay(4, false));
    assertEquals(Duration.ofSeconds(32), RespawnBackoff.delay(7, false));
    assertEquals(Duration.ofSeconds(60), RespawnBackoff.delay(8, false));
    assertEquals(Duration.ofSeconds(60), RespawnBackoff.delay(1000, false));
  }

  @Test
  void aFatalExitNeverSpins() {
    assertEquals(Duration.ofSeconds(5), RespawnBackoff.delay(1, true));
    assertEquals(Duration.ofSeconds(10), RespawnBackoff.delay(2, true));
    assertEquals(Duration.ofSeconds(160), RespawnBackoff.delay(6, true));
    assertEquals(Duration.ofMinutes(5), RespawnBackoff.delay(7, true));
    assertEquals(Duration.ofMinutes(5), RespawnBackoff.delay(Integer.MAX_VALUE, true));
  }

  @Test
  void countsStartAtOne() {
    assertThrows(IllegalArgumentException.class, () -> RespawnBackoff.delay(0, false));
  }
}
