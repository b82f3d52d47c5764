package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.config.ChildGroup;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;
import org.perchild.posix.SeqPacketChannel;

class ChildSlotsTest {

  private static final long SECOND = 1_000_000_000L;

  private static ChildGroup group(int uid, int gid) {
    return new ChildGroup(
        new Account("#" + uid, uid, gid, "/"),
        new GroupAccount("#" + gid, gid),
        2,
        List.of(),
        false,
        Path.of("perchild.conf"),
        1);
  }

  private static List<Integer> order(ChildSlots slots, ChildGroup group, long now) {
    return slots.candidates(group, now).stream().map(s -> s.slot).toList();
  }

  @Test
  @Timeout(5)
  void onlyTheChildrenOfTheGroupLeastLoadedFirst() {
    ChildSlots slots = new ChildSlots();
    // Descriptor numbers only: nothing here sends or closes.
    slots.add(0, 40001, 40001, new SeqPacketChannel(100));
    slots.add(1, 40001, 40001, new SeqPacketChannel(101));
    slots.add(2, 65534, 65534, new SeqPacketChannel(102));
    slots.add(3, 40001, 40002, new SeqPacketChannel(103));
    ChildGroup tenant = group(40001, 40001);
    long now = 100 * SECOND;
    assertEquals(List.of(0, 1), order(slots, tenant, now));
    slots.candidates(tenant, now).get(0).handedOff(now);
    assertEquals(List.of(1, 0), order(slots, tenant, now));
    slots.candidates(tenant, now).get(0).handedOff(now);
    // Equal load: the one served longest ago goes first, so idle children take turns.
    assertEquals(List.of(0, 1), order(slots, tenant, now + 1));
    slots.candidates(tenant, now).get(0).handedOff(now + 1);
    assertEquals(List.of(1, 0), order(slots, tenant, now + 2));
    // Hand-offs older than the window no longer count.
    long later = now + ChildSlots.WINDOW_NANOS + 2;
    slots.candidates(tenant, later).get(0).handedOff(later);
    assertEquals(List.of(0, 1), order(slots, tenant, later + 1));
  }

  @Test
  @Timeout(5)
  void goneAndReplacedSlots() {
    ChildSlots slots = new ChildSlots();
    SeqPacketChannel first = new SeqPacketChannel(100);
    assertNull(slots.add(0, 40001, 40001, first));
    assertSame(first, slots.add(0, 40001, 40001, new SeqPacketChannel(101)).handoff);
    assertEquals(0, slots.remove(0).slot);
    assertNull(slots.remove(0));
    assertEquals(List.of(), order(slots, group(40001, 40001), 0));
  }
}
