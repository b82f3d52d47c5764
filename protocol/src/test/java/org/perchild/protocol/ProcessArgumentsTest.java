package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command lines of the acceptor and the child, as the launcher writes them. */
class ProcessArgumentsTest {

  @Test
  @Timeout(5)
  void parsesTheLaunchersArguments() {
    AcceptorArguments arguments =
        AcceptorArguments.parse(
            new String[] {
              "--server-root", "/srv", "--config", "conf/perchild.conf", "--user", "#65534",
              "--uid", "65534", "--gid", "65533", "--listeners", "2"
            });
    assertEquals(
        new AcceptorArguments(
            Path.of("/srv"), Path.of("conf/perchild.conf"), "#65534", 65534, 65533, 2),
        arguments);
  }

  @Test
  @Timeout(5)
  void refusesBadArguments() {
    String[][] bad = {
      {"--server-root", "/srv"},
      {"--server-root"},
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "x",
        "--gid",
        "1",
        "--listeners",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--listeners",
        "1",
        "--slot",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--server-root",
        "/x",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--listeners",
        "1"
      },
    };
    for (String[] args : bad) {
      assertThrows(
          IllegalArgumentException.class,
          () -> AcceptorArguments.parse(args),
          String.join(" ", args));
    }
  }

  @Test
  @Timeout(5)
  void theAcceptorsArgumentsReadBack() {
    AcceptorArguments arguments =
        new AcceptorArguments(Path.of("/srv"), Path.of("conf/perchild.conf"), "www", 33, 34, 3);
    assertEquals(
        List.of(
            "--server-root",
            "/srv",
            "--config",
            "conf/perchild.conf",
            "--user",
            "www",
            "--uid",
            "33",
            "--gid",
            "34",
            "--listeners",
            "3"),
        arguments.toArgv());
    assertEquals(arguments, AcceptorArguments.parse(arguments.toArgv().toArray(String[]::new)));
  }

  @Test
  @Timeout(5)
  void theChildsArgumentsReadBack() {
    ChildArguments own =
        new ChildArguments(
            Path.of("/srv"),
            Path.of("conf/perchild.conf"),
            3,
            2,
            "alice",
            40001,
            40002,
            40001,
            40002);
    assertEquals(
        List.of(
            "--server-root",
            "/srv",
            "--config",
            "conf/perchild.conf",
            "--user",
            "alice",
            "--uid",
            "40001",
            "--gid",
            "40002",
            "--slot",
            "3",
            "--generation",
            "2"),
        own.toArgv());
    assertEquals(own, ChildArguments.parse(own.toArgv().toArray(String[]::new)));
    ChildArguments singleUser =
        new ChildArguments(
            Path.of("/srv"),
            Path.of("conf/perchild.conf"),
            3,
            1,
            "#1000",
            1000,
            1000,
            40001,
            40002);
    assertEquals(singleUser, ChildArguments.parse(singleUser.toArgv().toArray(String[]::new)));
    assertEquals(null, singleUser.userName());
    assertEquals("1000", singleUser.label());
  }

  @Test
  @Timeout(5)
  void refusesBadChildArguments() {
    String[][] bad = {
      {"--server-root", "/srv"},
      {"--slot"},
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--slot",
        "x",
        "--generation",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--slot",
        "1",
        "--generation",
        "1",
        "--listeners",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "",
        "--uid",
        "1",
        "--gid",
        "1",
        "--slot",
        "1",
        "--generation",
        "1"
      },
    };
    for (String[] args : bad) {
      assertThrows(
          IllegalArgumentException.class, () -> ChildArguments.parse(args), String.join(" ", args));
    }
  }
}
