package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code perchild status} says each group runs. */
class ConfigurationStatusTest {

  private final ConfigurationStatus status =
      new ConfigurationStatus(
          List.of(
              new ConfigurationStatus.Group(
                  "alice/alice",
                  2,
                  "/etc/perchild.conf",
                  Instant.parse("2026-01-02T03:04:05.678Z"),
                  "ab12")));

  @Test
  void textHasOneLinePerGroup() {
    assertEquals(
        "Configuration by child group:\n"
            + "  alice/alice              gen 2  /etc/perchild.conf  read 2026-01-02T03:04:05Z"
            + "  sha256 ab12\n",
        status.text());
  }

  @Test
  void jsonHasOneRowPerGroup() {
    assertEquals(
        "[[\"alice/alice\",2,\"/etc/perchild.conf\",\"2026-01-02T03:04:05.678Z\",\"ab12\"]]",
        status.json());
  }
}
