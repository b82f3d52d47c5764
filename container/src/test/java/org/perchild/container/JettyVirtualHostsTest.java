package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.VirtualHost;

/** Which ServerName/ServerAlias forms reach Jetty, and which are reported instead. */
@Timeout(10)
class JettyVirtualHostsTest {

  @Test
  void keepsExactNamesAndLeadingWildcardsAndReportsTheRest() {
    VirtualHost host =
        new VirtualHost(
            "A.test",
            List.of("*.a.test", "www?.a.test", "a.*", "a.test", "*"),
            List.of(),
            null,
            null,
            null,
            null,
            List.of(),
            ConnectionSettings.DEFAULTS,
            Path.of("perchild.conf"),
            1);
    List<String> skipped = new ArrayList<>();

    List<String> names = JettyVirtualHosts.of(host, skipped::add);

    assertEquals(List.of("a.test", "*.a.test"), names);
    assertEquals(List.of("www?.a.test", "a.*", "*"), skipped);
  }
}
