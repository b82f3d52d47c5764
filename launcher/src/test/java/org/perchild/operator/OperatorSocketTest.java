package org.perchild.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import jdk.net.UnixDomainPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The control socket in this JVM: its file, its protocol and its peer check. */
@Timeout(30)
class OperatorSocketTest {

  @TempDir Path dir;

  private final List<OperatorCommand> received = new CopyOnWriteArrayList<>();

  private OperatorSocket open(Path path) throws IOException {
    return OperatorSocket.open(
        path,
        command -> {
          received.add(command);
          return CompletableFuture.completedFuture(
              command == OperatorCommand.RESTART
                  ? OperatorReply.error("restart is not implemented yet")
                  : OperatorReply.ok("did " + command.line()));
        });
  }

  @Test
  void pathIsNamedAfterThePidFile() {
    assertEquals(
        Path.of("/opt/perchild/logs/perchild.sock"),
        OperatorSocket.pathFor(Path.of("/opt/perchild/logs/perchild.pid")));
    assertEquals(Path.of("run/httpd.sock"), OperatorSocket.pathFor(Path.of("run/httpd.pid")));
    assertEquals(Path.of("run/pid.sock"), OperatorSocket.pathFor(Path.of("run/pid")));
  }

  @Test
  void answersOneCommandPerConnectionAndIsRemovedAtClose() throws IOException {
    Path path = dir.resolve("logs/perchild.sock");
    try (OperatorSocket socket = open(path)) {
      assertEquals(
          PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(path));
      assertEquals(
          OperatorReply.ok("did status json\n"),
          OperatorClient.send(path, OperatorCommand.STATUS_JSON));
      assertEquals(
          OperatorReply.error("restart is not implemented yet\n"),
          OperatorClient.send(path, OperatorCommand.RESTART));
      assertEquals(List.of(OperatorCommand.STATUS_JSON, OperatorCommand.RESTART), received);
      // Nothing is left of the private directory the socket was made in.
      try (var files = Files.list(path.getParent())) {
        assertEquals(List.of(path), files.toList());
      }
    }
    assertFalse(Files.exists(path));
    assertThrows(
        OperatorClient.NoServerException.class,
        () -> OperatorClient.send(path, OperatorCommand.STATUS));
  }

  @Test
  void aStaleSocketIsReplacedButALiveOneIsNot() throws IOException {
    Path path = dir.resolve("perchild.sock");
    // A socket file nobody listens on: what a killed launcher leaves.
    ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    dead.bind(UnixDomainSocketAddress.of(path));
    dead.close();
    assertTrue(Files.exists(path));
    assertThrows(
        OperatorClient.NoServerException.class,
        () -> OperatorClient.send(path, OperatorCommand.STATUS));
    try (OperatorSocket socket = open(path)) {
      assertTrue(OperatorClient.send(path, OperatorCommand.STOP).ok());
      IOException refused = assertThrows(IOException.class, () -> open(path));
      assertTrue(refused.getMessage().contains("another perchild launcher answers"));
      assertTrue(OperatorClient.answers(path), "the live launcher's socket was not touched");
    }
  }

  @Test
  void unknownCommandsGetAnError() throws IOException {
    Path path = dir.resolve("perchild.sock");
    try (OperatorSocket socket = open(path);
        var channel = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      channel.write(java.nio.ByteBuffer.wrap("reload\n".getBytes()));
      channel.shutdownOutput();
      String reply = new String(readAll(channel));
      assertTrue(reply.startsWith("ERROR\nunknown command 'reload'"), reply);
      assertEquals(List.of(), received);
    }
  }

  private static byte[] readAll(java.nio.channels.SocketChannel channel) throws IOException {
    return java.nio.channels.Channels.newInputStream(channel).readAllBytes();
  }

  @Test
  void onlyAllowedPeersPass() throws IOException {
    UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
    UserPrincipal root = lookup.lookupPrincipalByName("root");
    UserPrincipal nobody = lookup.lookupPrincipalByName("nobody");
    GroupPrincipal nogroup = lookup.lookupPrincipalByGroupName("nogroup");
    GroupPrincipal rootGroup = lookup.lookupPrincipalByGroupName("root");
    assertNull(OperatorSocket.refusal(new UnixDomainPrincipal(root, rootGroup), Set.of(root)));
    // The group does not matter; the user does.
    assertNull(OperatorSocket.refusal(new UnixDomainPrincipal(root, nogroup), Set.of(root)));
    assertEquals(
        "user nobody, group nogroup",
        OperatorSocket.refusal(new UnixDomainPrincipal(nobody, nogroup), Set.of(root)));
    assertEquals(
        "user nobody, group root",
        OperatorSocket.refusal(new UnixDomainPrincipal(nobody, rootGroup), Set.of(root)));
    assertEquals("a peer without credentials", OperatorSocket.refusal(null, Set.of(root)));
  }
}
