package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.perchild.protocol.LoadReport;

class IdleHeapTrimTest {

  private final AtomicReference<LoadReport> load = new AtomicReference<>(report(0, 0, 0));
  private final AtomicInteger collections = new AtomicInteger();
  private final IdleHeapTrim trim = new IdleHeapTrim(load::get, null, collections::incrementAndGet);

  private static LoadReport report(int busy, int connections, long requests) {
    return new LoadReport(busy, 5, 5 + busy, 0, connections, requests, requests * 100);
  }

  @Test
  void collectsOnceAfterAWholeIntervalWithoutARequest() {
    trim.look(); // the first look only learns the count
    assertEquals(0, collections.get());
    trim.look();
    assertEquals(1, collections.get());
    trim.look();
    trim.look();
    assertEquals(1, collections.get(), "not again while nothing happens");
  }

  @Test
  void aRequestMakesItCollectAgainAtTheNextIdleInterval() {
    trim.look();
    trim.look();
    load.set(report(0, 0, 3));
    trim.look();
    assertEquals(1, collections.get(), "requests since the last look: busy");
    trim.look();
    assertEquals(2, collections.get());
  }

  @Test
  void neverWhileARequestOrAConnectionIsInProgress() {
    load.set(report(1, 1, 0));
    trim.look();
    trim.look();
    load.set(report(0, 1, 0));
    trim.look();
    trim.look();
    assertEquals(0, collections.get());
  }
}
