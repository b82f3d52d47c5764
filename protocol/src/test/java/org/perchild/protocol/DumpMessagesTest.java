package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code perchild dump}'s messages: DUMP to a child, its DUMP parts back, and their reassembly. */
class DumpMessagesTest {

  private static ChildToLauncher parse(String text) {
    return ChildToLauncher.decode(text.getBytes(StandardCharsets.UTF_8), -1);
  }

  @Test
  @Timeout(5)
  void eachReadsBackAsItWasWritten() {
    LauncherToChild.Dump dump = new LauncherToChild.Dump(7);
    assertEquals("DUMP 7", new String(dump.encode(), StandardCharsets.UTF_8));
    assertEquals(dump, LauncherToChild.decode(dump.encode(), -1));
    ChildToLauncher.DumpPart part =
        new ChildToLauncher.DumpPart(7, 2, 3, "Server@1 {STARTED}\n +> pool  a  b\n");
    assertEquals(part, ChildToLauncher.decode(part.encode(), -1));
    assertEquals(new ChildToLauncher.DumpPart(1, 1, 1, ""), parse("DUMP 1 1/1 "));
    assertEquals(new ChildToLauncher.DumpPart(1, 1, 1, " x "), parse("DUMP 1 1/1  x "));
  }

  @Test
  @Timeout(5)
  void refusesWhatIsNotTheProtocol() {
    for (String text : new String[] {"DUMP", "DUMP x", "DUMP 1 2", "DUMP -1", "STOP now"}) {
      assertThrows(
          IllegalArgumentException.class,
          () -> LauncherToChild.decode(text.getBytes(StandardCharsets.UTF_8), -1),
          text);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> LauncherToChild.decode("DUMP 1".getBytes(StandardCharsets.UTF_8), 5),
        "DUMP carries no descriptor");
    for (String text :
        new String[] {
          "DUMP",
          "DUMP 1",
          "DUMP 1 1/1",
          "DUMP 1 1 text",
          "DUMP 1 0/1 text",
          "DUMP 1 2/1 text",
          "DUMP x 1/1 text",
          "DUMP 1 1/x text",
          "DUMP 1 1/" + (ChildToLauncher.DumpPart.MAX_PARTS + 1) + " text"
        }) {
      assertThrows(IllegalArgumentException.class, () -> parse(text), text);
    }
  }

  @Test
  @Timeout(5)
  void aPartAtTheLimitReadsBackAndOneByteMoreIsAnotherPart() {
    String header = "DUMP 1 1/1 ";
    String atLimit = "x".repeat(ControlMessage.MAX_BYTES - header.length());
    ChildToLauncher.DumpPart whole = new ChildToLauncher.DumpPart(1, 1, 1, atLimit);
    assertEquals(ControlMessage.MAX_BYTES, whole.encode().length);
    assertEquals(whole, ChildToLauncher.decode(whole.encode(), -1));
    // split keeps room for the largest header: the same text, and one byte more, take two parts.
    String over = atLimit + "y";
    List<ChildToLauncher.DumpPart> parts = ChildToLauncher.DumpPart.split(1, over);
    assertEquals(2, parts.size());
    StringBuilder back = new StringBuilder();
    for (ChildToLauncher.DumpPart part : parts) {
      assertTrue(part.encode().length <= ControlMessage.MAX_BYTES, part.encode().length + " bytes");
      back.append(((ChildToLauncher.DumpPart) ChildToLauncher.decode(part.encode(), -1)).text());
    }
    assertEquals(over, back.toString());
    assertEquals(1, ChildToLauncher.DumpPart.split(3, "").size());
  }

  @Test
  @Timeout(5)
  void hundredsOfKibibytesSplitWithoutCuttingACharacterAndComeBackWhole() {
    // Three-byte characters, so that a part's end falls inside one unless split takes care.
    String dump = "Server ⟶ HandoffConnector ✓\n".repeat(20_000);
    List<ChildToLauncher.DumpPart> parts = ChildToLauncher.DumpPart.split(9, dump);
    assertTrue(parts.size() > 3, parts.size() + " parts");
    DumpParts collected = new DumpParts(9);
    for (ChildToLauncher.DumpPart part : parts) {
      byte[] payload = part.encode();
      assertTrue(payload.length <= ControlMessage.MAX_BYTES, payload.length + " bytes");
      DumpParts.State state = collected.add((ChildToLauncher.DumpPart) parse(utf8(payload)));
      assertEquals(
          part.part() == parts.size() ? DumpParts.State.COMPLETE : DumpParts.State.WAITING, state);
    }
    assertEquals(dump, collected.text());
  }

  @Test
  @Timeout(5)
  void aDumpAboveTheLimitIsCutAndSaysSo() {
    String huge = "z".repeat(ControlMessage.MAX_BYTES * (ChildToLauncher.DumpPart.MAX_PARTS + 1));
    List<ChildToLauncher.DumpPart> parts = ChildToLauncher.DumpPart.split(1, huge);
    assertEquals(ChildToLauncher.DumpPart.MAX_PARTS, parts.size());
    assertTrue(parts.get(parts.size() - 1).text().contains("dump cut"));
    assertTrue(parts.get(parts.size() - 1).encode().length <= ControlMessage.MAX_BYTES);
  }

  @Test
  @Timeout(5)
  void aLostOrStrayPartSpoilsTheDump() {
    DumpParts lost = new DumpParts(4);
    assertEquals(DumpParts.State.WAITING, lost.add(new ChildToLauncher.DumpPart(4, 1, 3, "a")));
    assertEquals(DumpParts.State.SPOILED, lost.add(new ChildToLauncher.DumpPart(4, 3, 3, "c")));
    assertEquals(DumpParts.State.SPOILED, lost.add(new ChildToLauncher.DumpPart(4, 2, 3, "b")));
    assertThrows(IllegalStateException.class, lost::text);
    DumpParts stray = new DumpParts(5);
    assertEquals(DumpParts.State.SPOILED, stray.add(new ChildToLauncher.DumpPart(4, 1, 1, "")));
    DumpParts recounted = new DumpParts(6);
    recounted.add(new ChildToLauncher.DumpPart(6, 1, 3, "a"));
    assertEquals(
        DumpParts.State.SPOILED, recounted.add(new ChildToLauncher.DumpPart(6, 2, 2, "b")));
  }

  private static String utf8(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8);
  }
}
