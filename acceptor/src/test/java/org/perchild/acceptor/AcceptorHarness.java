package org.perchild.acceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ChildProcesses;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.AcceptorArguments;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.ProcessCommand;
import org.perchild.testsupport.RootRequirement;

/**
 * A real acceptor process, started as the launcher starts it (root, the launcher's {@link
 * ProcessCommand}: control channel at fd 3, configuration at fd 4, a listen socket bound here at fd
 * 5, stdout/stderr to a log file), with this test playing both the launcher (the control channel)
 * and the children (one hand-off channel per fake child slot). Everything the acceptor reads after
 * its privilege drop (classpath, configuration) is copied into a world-readable temporary server
 * root, as the distribution's would be.
 */
final class AcceptorHarness implements AutoCloseable {

  static final int NOBODY = 65534;
  static final int TENANT = 40001;
  static final int MAX_HANDOFF = HandoffMessage.MAX_PAYLOAD;
  static final Duration WAIT = Duration.ofSeconds(20);

  /** A connection as a fake child received it. */
  record Handoff(int slot, HandoffMessage message, int fd) {}

  final Path root;
  final Path log;

  /** The first listen socket's port. */
  final int port;

  /** Every listen socket's port, in {@code Listen} order. */
  final List<Integer> ports;

  final int pid;
  final SeqPacketChannel control;
  final Map<Integer, SeqPacketChannel> children = new TreeMap<>();
  private final List<ServerSocketChannel> listen;
  private boolean reaped;
  private ExitStatus exit;

  /** Skips the test without root, unless {@code CI=true}, where that is a failure. */
  static void requireRoot() {
    RootRequirement.require("starting the acceptor as the root launcher does");
  }

  private AcceptorHarness(
      Path root, Path log, List<ServerSocketChannel> listen, int pid, SeqPacketChannel control) {
    this.root = root;
    this.log = log;
    this.listen = listen;
    this.ports =
        listen.stream()
            .map(channel -> ((InetSocketAddress) localAddress(channel)).getPort())
            .toList();
    this.port = ports.get(0);
    this.pid = pid;
    this.control = control;
  }

  /** Starts an acceptor with one listener and two virtual hosts, and waits for its READY. */
  static AcceptorHarness start() throws Exception {
    return start(
        1,
        ports ->
            String.join(
                "\n",
                "Listen 127.0.0.1:" + ports.get(0),
                "User #65534",
                "Group #65534",
                "NumServers 3",
                "ChildPerUserID #40001 #40001 2",
                "Timeout 2",
                "ChildWaitTimeout 2",
                virtualHost(ports.get(0), "ServerName fallback.test"),
                virtualHost(ports.get(0), "ServerName a.test", "AssignUserID #40001 #40001"),
                ""));
  }

  /**
   * Starts an acceptor on {@code listeners} loopback sockets bound here, with the configuration
   * {@code config} writes for their ports (whose {@code Listen} lines must name them in order), and
   * waits for its {@code READY <pid>}.
   */
  static AcceptorHarness start(
      int listeners, java.util.function.Function<List<Integer>, String> config) throws Exception {
    Path root = Files.createTempDirectory("perchild-acceptor-");
    String classpath = copyClasspath(root.resolve("lib"));
    List<ServerSocketChannel> listen = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < listeners; i++) {
      ServerSocketChannel channel = ServerSocketChannel.open();
      channel.bind(new InetSocketAddress("127.0.0.1", 0), 64);
      listen.add(channel);
      ports.add(((InetSocketAddress) channel.getLocalAddress()).getPort());
    }
    Files.createDirectories(root.resolve("conf"));
    Files.createDirectories(root.resolve("logs"));
    Files.writeString(root.resolve("conf/perchild.conf"), config.apply(ports));
    worldReadable(root);
    Path log = root.resolve("logs/acceptor.log");
    ChannelPair controlPair = ChannelPair.open();
    // As the launcher does: the configuration read here, the acceptor's view in a memory file.
    int configFd =
        org.perchild.posix.MemoryFile.create(
            "test-acceptor-config",
            org.perchild.protocol.ConfigCodec.encode(
                org.perchild.protocol.ConfigViews.forAcceptor(
                    new org.perchild.config.ConfigLoader(new org.perchild.posix.SystemAccounts())
                        .load(root, Path.of("conf/perchild.conf")))));
    int pid;
    try (FileOutputStream logStream = new FileOutputStream(log.toFile())) {
      int logFd = descriptorOf(logStream.getFD());
      // Spawned as the launcher spawns it (ProcessCommand), with more logging for the tests.
      pid =
          ProcessCommand.acceptor(
                  ProcessCommand.Jvm.current(
                      List.of(
                          "-XX:-UsePerfData",
                          "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug",
                          "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=error"),
                      classpath),
                  new AcceptorArguments(
                      root, Path.of("conf/perchild.conf"), "#65534", NOBODY, NOBODY, listeners),
                  ProcessCommand.environment("nobody", "/"),
                  new ProcessCommand.AcceptorFds(
                      logFd,
                      controlPair.childFd(),
                      configFd,
                      listen.stream().map(InheritedChannels::descriptorOf).toList()))
              .spawn();
    } finally {
      Descriptors.close(configFd);
      Descriptors.close(controlPair.childFd());
    }
    AcceptorHarness harness =
        new AcceptorHarness(root, log, listen, pid, new SeqPacketChannel(controlPair.parentFd()));
    ReceivedPacket ready = harness.awaitPacket(harness.control);
    assertTrue(
        ready.isMessage(), "READY expected, got " + ready.status() + "\n" + harness.logText());
    assertEquals(
        "READY " + pid, new String(ready.payload(), StandardCharsets.US_ASCII), harness.logText());
    // As the launcher does right after READY: the scoreboard that lets the acceptor accept.
    java.time.Instant now = java.time.Instant.now();
    harness.control.send(
        new org.perchild.protocol.LauncherToAcceptor.Status(
                new org.perchild.protocol.Scoreboard(
                    now,
                    0,
                    now,
                    new org.perchild.protocol.Scoreboard.Acceptor(
                        pid, org.perchild.protocol.Scoreboard.State.READY, now, 0),
                    List.of(),
                    0))
            .encode(),
        -1);
    return harness;
  }

  /** Plays the launcher: a child in {@code slot} is READY; waits until the acceptor says so. */
  void addChild(int slot, int uid, int gid) throws Exception {
    ChannelPair pair = ChannelPair.open();
    try {
      control.send(
          ("CHILD " + slot + " " + uid + " " + gid).getBytes(StandardCharsets.UTF_8),
          pair.childFd());
    } finally {
      Descriptors.close(pair.childFd());
    }
    children.put(slot, new SeqPacketChannel(pair.parentFd()));
    awaitLog("Child slot " + slot + " ready");
  }

  /**
   * Plays the launcher's {@code BACKLOG}: gives the acceptor a copy of the fake child's own end of
   * its hand-off channel.
   */
  void giveBacklog(int slot) throws Exception {
    control.send(("BACKLOG " + slot).getBytes(StandardCharsets.UTF_8), children.get(slot).fd());
    awaitLog("Child slot " + slot + ": its own end");
  }

  /** Plays a child's death: its end of the hand-off channel closes, unread. */
  void dies(int slot) throws Exception {
    children.remove(slot).close();
  }

  /** Plays the launcher: the child in {@code slot} has exited. */
  void gone(int slot) throws Exception {
    control.send(("GONE " + slot).getBytes(StandardCharsets.UTF_8), -1);
    awaitLog("Child slot " + slot + " gone");
  }

  /** The next connection any fake child receives. */
  Handoff awaitHandoff() throws Exception {
    return awaitValue(
        "no hand-off",
        () -> {
          for (Map.Entry<Integer, SeqPacketChannel> child : children.entrySet()) {
            ReceivedPacket packet = child.getValue().receiveNonBlocking(MAX_HANDOFF);
            if (packet.isMessage()) {
              assertTrue(packet.hasFd(), "a hand-off without a socket");
              return new Handoff(
                  child.getKey(), HandoffMessage.decode(packet.payload()), packet.fd());
            }
          }
          return null;
        });
  }

  /** Asserts that no fake child has a connection waiting. */
  void assertNoHandoff() throws Exception {
    for (Map.Entry<Integer, SeqPacketChannel> child : children.entrySet()) {
      ReceivedPacket packet = child.getValue().receiveNonBlocking(MAX_HANDOFF);
      if (packet.hasFd()) {
        Descriptors.close(packet.fd());
      }
      assertEquals(
          ReceivedPacket.Status.NOTHING_YET,
          packet.status(),
          "slot " + child.getKey() + " got one");
    }
  }

  ReceivedPacket awaitPacket(SeqPacketChannel channel) throws Exception {
    return awaitValue(
        "nothing on " + channel,
        () -> {
          ReceivedPacket packet = channel.receiveNonBlocking(512);
          if (packet.status() != ReceivedPacket.Status.NOTHING_YET) {
            return packet;
          }
          if (exitStatus().state() != ExitStatus.State.RUNNING) {
            throw new AssertionError("the acceptor ended: " + exit + "\n" + logText());
          }
          return null;
        });
  }

  void awaitLog(String text) throws Exception {
    awaitValue("no '" + text + "' in the log", () -> logText().contains(text) ? text : null);
  }

  /** Waits for the acceptor to end and returns how. */
  ExitStatus awaitExit() throws Exception {
    return awaitValue(
        "the acceptor did not exit",
        () -> exitStatus().state() != ExitStatus.State.RUNNING ? exit : null);
  }

  /** Polls {@code probe} until it gives a value, within {@link #WAIT}; the log if it never does. */
  private <T> T awaitValue(String failure, Callable<T> probe) throws Exception {
    AtomicReference<T> found = new AtomicReference<>();
    try {
      await()
          .atMost(WAIT)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5))
          .until(
              () -> {
                found.set(probe.call());
                return found.get() != null;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(failure + " within " + WAIT + "\n" + logText(), e);
    }
    return found.get();
  }

  private ExitStatus exitStatus() throws Exception {
    if (!reaped) {
      ExitStatus status = ChildProcesses.reap(pid);
      if (status.state() != ExitStatus.State.RUNNING) {
        reaped = true;
        exit = status;
      } else {
        return status;
      }
    }
    return exit;
  }

  /** The {@code Uid:} or {@code Gid:} line of the acceptor's {@code /proc/<pid>/status}. */
  String procStatus(String field) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(line -> line.startsWith(field))
        .findFirst()
        .orElseThrow()
        .substring(field.length())
        .trim();
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** A client connected to the acceptor's (first) listen socket. */
  Socket connect() throws IOException {
    return connect(port);
  }

  /** A client connected to the acceptor's listen socket of {@code port}. */
  Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(15000);
    return socket;
  }

  /** Sends {@code request} on a new connection and reads the answer until the acceptor closes. */
  String exchange(String request) throws IOException {
    try (Socket client = connect()) {
      client.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      client.getOutputStream().flush();
      return readToEnd(client.getInputStream());
    }
  }

  static String readToEnd(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  /** What a child does with a received descriptor: adopt it as a JDK socket channel. */
  static SocketChannel adoptSocket(int fd, boolean inet6, SocketAddress remote) throws Exception {
    Method newFd = Class.forName("sun.nio.ch.IOUtil").getDeclaredMethod("newFD", int.class);
    newFd.setAccessible(true);
    Constructor<?> constructor =
        Class.forName("sun.nio.ch.SocketChannelImpl")
            .getDeclaredConstructor(
                SelectorProvider.class,
                ProtocolFamily.class,
                FileDescriptor.class,
                SocketAddress.class);
    constructor.setAccessible(true);
    return (SocketChannel)
        constructor.newInstance(
            SelectorProvider.provider(),
            inet6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET,
            newFd.invoke(null, fd),
            remote);
  }

  static String childResponse(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: "
        + body.length()
        + "\r\nConnection: close\r\n\r\n"
        + body;
  }

  /**
   * Does what a child does: adopts the descriptor, takes the bytes the acceptor already read, reads
   * the rest of what the client sent from the socket itself, answers and closes.
   */
  /** Serves the hand-off as a child would, and checks that {@code client} got the answer. */
  static void serveAndExpect(
      AcceptorHarness.Handoff handoff, byte[] sent, String body, java.net.Socket client)
      throws Exception {
    serveAsChild(handoff, sent, body);
    org.junit.jupiter.api.Assertions.assertEquals(
        childResponse(body), readToEnd(client.getInputStream()));
  }

  static void serveAsChild(AcceptorHarness.Handoff handoff, byte[] sent, String body)
      throws Exception {
    try (SocketChannel socket =
        adoptSocket(handoff.fd(), handoff.message().inet6(), handoff.message().remote())) {
      socket.configureBlocking(true);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      received.write(handoff.message().alreadyRead());
      ByteBuffer buffer = ByteBuffer.allocate(65536);
      while (received.size() < sent.length) {
        buffer.clear();
        if (socket.read(buffer) < 0) {
          break;
        }
        received.write(buffer.array(), 0, buffer.position());
      }
      assertArrayEquals(sent, received.toByteArray(), "what the child got, in order");
      socket.write(ByteBuffer.wrap(childResponse(body).getBytes(StandardCharsets.ISO_8859_1)));
    }
  }

  /** Closes, after asserting that the acceptor logged no ERROR or WARN line. */
  void closeAfterCheckingTheLog() throws Exception {
    try {
      String log = logText();
      org.junit.jupiter.api.Assertions.assertFalse(
          log.contains("] ERROR "), "ERROR lines in the acceptor's log:\n" + log);
      org.junit.jupiter.api.Assertions.assertFalse(
          log.contains("] WARN "), "WARN lines in the acceptor's log:\n" + log);
    } finally {
      close();
    }
  }

  /** A {@code <VirtualHost *:port>} section of {@code directives}, for a configuration. */
  static String virtualHost(int port, String... directives) {
    StringBuilder section = new StringBuilder("<VirtualHost *:" + port + ">\n");
    for (String directive : directives) {
      section.append("    ").append(directive).append('\n');
    }
    return section.append("</VirtualHost>").toString();
  }

  @Override
  public void close() throws Exception {
    try {
      if (exitStatus().state() == ExitStatus.State.RUNNING) {
        ChildProcesses.signal(pid, 9);
        exit = ChildProcesses.waitFor(pid);
        reaped = true;
      }
    } finally {
      control.close();
      for (SeqPacketChannel child : children.values()) {
        child.close();
      }
      for (ServerSocketChannel channel : listen) {
        channel.close();
      }
      try (Stream<Path> tree = Files.walk(root)) {
        for (Path each : tree.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(each);
        }
      }
    }
  }

  private static SocketAddress localAddress(ServerSocketChannel channel) {
    try {
      return channel.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int descriptorOf(FileDescriptor descriptor) throws Exception {
    Field fd = FileDescriptor.class.getDeclaredField("fd");
    fd.setAccessible(true);
    return fd.getInt(descriptor);
  }

  /** Copies every classpath entry below {@code lib}; returns the new classpath. */
  private static String copyClasspath(Path lib) throws IOException {
    Files.createDirectories(lib);
    List<String> entries = new ArrayList<>();
    int index = 0;
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path source = Path.of(entry);
      if (!Files.exists(source)) {
        continue;
      }
      Path target = lib.resolve(index++ + "-" + source.getFileName());
      if (Files.isDirectory(source)) {
        try (Stream<Path> tree = Files.walk(source)) {
          for (Path each : tree.toList()) {
            Path copy = target.resolve(source.relativize(each).toString());
            if (Files.isDirectory(each)) {
              Files.createDirectories(copy);
            } else {
              Files.copy(each, copy);
            }
          }
        }
      } else {
        Files.copy(source, target);
      }
      entries.add(target.toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static void worldReadable(Path root) throws IOException {
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path each : tree.toList()) {
        Files.setPosixFilePermissions(
            each,
            PosixFilePermissions.fromString(Files.isDirectory(each) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
  }
}
