package org.perchild.container;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import jnr.constants.platform.OpenFlags;
import org.awaitility.Awaitility;
import org.perchild.container.testapp.CounterServlet;
import org.perchild.container.testapp.SlowServlet;
import org.perchild.container.testapp.WhoAmIServlet;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ChildProcesses;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.Native;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.ProcessCommand;
import org.perchild.testsupport.RootRequirement;

/**
 * A real child process, spawned as root the way the launcher spawns it ({@link ProcessCommand}),
 * with this test playing launcher and acceptor: a world-readable server root (configuration, an
 * {@code AppBase} with an exploded {@code ROOT/} and a broken {@code bad.war}, the class path
 * copied to {@code lib/} since the child cannot read {@code /root/.m2} after the drop), the two
 * channels on fds 3 and 4, stdout and stderr to a log file. {@link #close()} always kills and reaps
 * what is still running.
 */
final class ChildProcessFixture implements AutoCloseable {

  /** A uid and gid with no account: the child must not need one. */
  static final int TENANT = 40123;

  private static final Method GET_FD_VAL;

  static {
    try {
      GET_FD_VAL = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
      GET_FD_VAL.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Path root;
  final Path log;
  final int pid;
  private final SeqPacketChannel control;
  private final SeqPacketChannel handoff;
  private final ServerSocketChannel listener;
  private ExitStatus exit;

  /** Skips (or, with {@code CI=true}, fails) unless this JVM runs as root. */
  static void assumeRoot() {
    RootRequirement.require("spawning a child that drops to uid " + TENANT);
  }

  /** Spawns a child that will drop to {@code uid}/{@code gid}, configured for {@link #TENANT}. */
  ChildProcessFixture(int uid, int gid) throws Exception {
    this(uid, gid, List.of());
  }

  /** The same, with more server-level directives (thread settings, say) in the configuration. */
  ChildProcessFixture(int uid, int gid, List<String> directives) throws Exception {
    this(uid, gid, directives, true);
  }

  /**
   * The same; {@code ownSessions} false gives the child a session directory that is not its own
   * (root's, mode 0755) instead of the one the launcher makes.
   */
  ChildProcessFixture(int uid, int gid, List<String> directives, boolean ownSessions)
      throws Exception {
    this(uid, gid, directives, ownSessions, List.of());
  }

  /**
   * The same, with {@code hostDirectives} inside the {@code <VirtualHost>} of {@code a.test} (its
   * TLS, say); the listener is then an {@code https} one if they say {@code SSLEngine on}.
   */
  ChildProcessFixture(
      int uid, int gid, List<String> directives, boolean ownSessions, List<String> hostDirectives)
      throws Exception {
    root = Files.createTempDirectory("perchild-child-test-");
    log = root.resolve("logs/child.log");
    String classPath = copyClassPath(root.resolve("lib"));
    writeAppBase(root.resolve("webapps/a"));
    // The child routes by local port as the acceptor does: the config names the real port.
    listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen 127.0.0.1:" + port + (hostDirectives.contains("SSLEngine on") ? " https" : ""),
            "User #" + TENANT,
            "Group #" + TENANT,
            // b.other belongs to another tenant's child: the one this test never starts.
            "NumServers 2",
            "ChildPerUserID #" + (TENANT + 1) + " #" + (TENANT + 1) + " 1",
            String.join("\n", directives),
            "<VirtualHost *:" + port + ">",
            "  ServerName a.test",
            "  ServerAlias *.a.test",
            "  AppBase " + root.resolve("webapps/a"),
            String.join("\n", hostDirectives),
            "</VirtualHost>",
            "<VirtualHost *:" + port + ">",
            "  ServerName b.other",
            "  AssignUserID #" + (TENANT + 1) + " #" + (TENANT + 1),
            "</VirtualHost>",
            ""));
    Files.createDirectories(log.getParent());
    makeWorldReadable(root);
    // As the launcher makes it (SessionDirectories): <root>/sessions/<uid>, the child's own, 0700.
    Path sessions =
        Files.createDirectories(root.resolve("sessions").resolve(Integer.toString(uid)));
    Files.setPosixFilePermissions(
        sessions.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
    if (ownSessions) {
      Files.setPosixFilePermissions(sessions, PosixFilePermissions.fromString("rwx------"));
      Files.setAttribute(sessions, "unix:gid", gid);
      Files.setAttribute(sessions, "unix:uid", uid);
    } else {
      Files.setPosixFilePermissions(sessions, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    ChannelPair controlPair = ChannelPair.open();
    ChannelPair handoffPair = ChannelPair.open();
    control = new SeqPacketChannel(controlPair.parentFd());
    handoff = new SeqPacketChannel(handoffPair.parentFd());
    int logFd =
        Native.posix()
            .open(
                log.toString(),
                OpenFlags.O_WRONLY.intValue()
                    | OpenFlags.O_CREAT.intValue()
                    | OpenFlags.O_APPEND.intValue(),
                0644);
    assertTrue(logFd >= 0, "open " + log + ": errno " + Native.posix().errno());
    // As the launcher does: the configuration read here, the child's own part in a memory file.
    org.perchild.config.ServerConfig config =
        new org.perchild.config.ConfigLoader(new org.perchild.posix.SystemAccounts())
            .load(root, Path.of("conf/perchild.conf"));
    int configFd =
        org.perchild.posix.MemoryFile.create(
            "test-child-config",
            org.perchild.protocol.ConfigCodec.encode(
                org.perchild.protocol.ConfigViews.forChild(
                    config, ChildMain.ownGroup(config, uid, gid).orElse(config.defaultGroup()))));
    try {
      pid = command(classPath, uid, gid, logFd, controlPair, handoffPair, configFd).spawn();
    } finally {
      Descriptors.close(configFd);
      Descriptors.close(logFd);
      Descriptors.close(controlPair.childFd());
      Descriptors.close(handoffPair.childFd());
    }
  }

  /**
   * The launch line, as the launcher builds it ({@link ProcessCommand#child}): slot 1 of generation
   * 1, running as {@code uid}/{@code gid} and serving the same.
   */
  private ProcessCommand command(
      String classPath,
      int uid,
      int gid,
      int logFd,
      ChannelPair controlPair,
      ChannelPair handoffPair,
      int configFd) {
    return ProcessCommand.child(
        ProcessCommand.Jvm.current(List.of(), classPath),
        new ChildArguments(
            root, Path.of("conf/perchild.conf"), 1, 1, "#" + uid, uid, gid, uid, gid),
        ProcessCommand.environment(Integer.toString(TENANT), root.toString()),
        new ProcessCommand.ChildFds(logFd, controlPair.childFd(), handoffPair.childFd(), configFd));
  }

  /** The next control message from the child, as text; null at the end of the stream. */
  String receiveControl() throws IOException {
    ReceivedPacket packet = control.receive(org.perchild.protocol.ControlMessage.MAX_BYTES);
    return packet.isMessage() ? new String(packet.payload(), UTF_8) : null;
  }

  void sendControl(String message) throws IOException {
    control.send(message.getBytes(UTF_8), -1);
  }

  /** The launcher dies: its end of the control channel closes. */
  void closeControl() throws IOException {
    control.close();
  }

  /** Where a client connects. */
  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) listener.getLocalAddress();
  }

  /**
   * Plays the acceptor for one connection: accepts it, reads its request head, and sends the socket
   * and the bytes read to the child; then closes its own copy.
   */
  void acceptAndHandOff() throws IOException {
    try (SocketChannel accepted = listener.accept()) {
      ByteBuffer head = ByteBuffer.allocate(8192);
      while (!new String(head.array(), 0, head.position(), ISO_8859_1).contains("\r\n\r\n")) {
        if (accepted.read(head) < 0) {
          throw new IOException("client closed before the head was complete");
        }
      }
      byte[] read = java.util.Arrays.copyOf(head.array(), head.position());
      HandoffMessage message =
          new HandoffMessage(
              0,
              false,
              false,
              (InetSocketAddress) accepted.getRemoteAddress(),
              (InetSocketAddress) accepted.getLocalAddress(),
              read);
      handoff.send(message.encode(), fdVal(accepted));
    }
  }

  /**
   * Plays the acceptor for one TLS connection: accepts it, reads its first record (the
   * ClientHello), and sends the socket and the bytes read to the child as a {@code secure} hand-off
   * for {@code virtualHost}, as the acceptor does once it has chosen the host by SNI.
   */
  void acceptTlsAndHandOff(String virtualHost) throws IOException {
    try (SocketChannel accepted = listener.accept()) {
      ByteBuffer hello = ByteBuffer.allocate(HandoffMessage.MAX_ALREADY_READ);
      int length = -1;
      while (length < 0 || hello.position() < length) {
        if (accepted.read(hello) < 0) {
          throw new IOException("client closed before its ClientHello was complete");
        }
        if (length < 0 && hello.position() >= 5) {
          length = 5 + (((hello.get(3) & 0xFF) << 8) | (hello.get(4) & 0xFF));
        }
      }
      HandoffMessage message =
          new HandoffMessage(
              0,
              false,
              true,
              (InetSocketAddress) accepted.getRemoteAddress(),
              (InetSocketAddress) accepted.getLocalAddress(),
              null,
              virtualHost,
              java.util.Arrays.copyOf(hello.array(), hello.position()));
      handoff.send(message.encode(), fdVal(accepted));
    }
  }

  /**
   * Plays a broken acceptor: accepts one connection and sends {@code payload} with it (or, if
   * {@code withSocket} is false, without it); then closes its own copy.
   */
  void acceptAndSendRaw(byte[] payload, boolean withSocket) throws IOException {
    try (SocketChannel accepted = listener.accept()) {
      handoff.send(payload, withSocket ? fdVal(accepted) : -1);
    }
  }

  /** The child's exit, waiting up to {@code limit} for it. */
  ExitStatus awaitExit(Duration limit) {
    Awaitility.await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (exit == null) {
                ExitStatus status = ChildProcesses.reap(pid);
                if (status.state() != ExitStatus.State.RUNNING) {
                  exit = status;
                }
              }
              return exit != null;
            });
    return exit;
  }

  /** The child's log so far. */
  String log() throws IOException {
    return Files.readString(log, UTF_8);
  }

  /** Fields of {@code /proc/<pid>/status}, e.g. {@code Uid} → {@code 40123 40123 40123 40123}. */
  Map<String, String> procStatus() throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(
            line.substring(0, colon), line.substring(colon + 1).trim().replaceAll("\\s+", " "));
      }
    }
    return fields;
  }

  @Override
  public void close() throws Exception {
    try {
      if (exit == null && ChildProcesses.signal(pid, 9)) {
        exit = ChildProcesses.waitFor(pid);
      }
    } finally {
      control.close();
      handoff.close();
      listener.close();
      org.perchild.posix.FileTrees.delete(root);
    }
  }

  /** One HTTP/1.1 response read from a client socket. */
  record Response(int status, Map<String, String> headers, String body) {}

  /** Reads one response with a Content-Length body from {@code in}. */
  static Response readResponse(InputStream in) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    assertEquals(length, body.length, "body cut short");
    return new Response(status, headers, new String(body, UTF_8));
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        return line.size() == 0 ? null : line.toString(ISO_8859_1);
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(ISO_8859_1);
  }

  private static int fdVal(SocketChannel channel) {
    try {
      return (Integer) GET_FD_VAL.invoke(channel);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Copies this JVM's class path to {@code lib}, as the distribution's {@code lib/*}: the child
   * opens its jars after the drop, and {@code /root/.m2} is not readable then. The test classes
   * stay out, so the test servlet exists only inside the webapp.
   */
  private static String copyClassPath(Path lib) throws IOException {
    Files.createDirectories(lib);
    List<String> entries = new ArrayList<>();
    int index = 0;
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path source = Path.of(entry);
      if (entry.isEmpty() || !Files.exists(source) || source.endsWith("test-classes")) {
        continue;
      }
      Path target = lib.resolve(String.format("%03d-%s", index++, source.getFileName()));
      copyTree(source, target);
      entries.add(target.toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** An exploded ROOT (a page and servlets) and a truncated {@code bad.war}. */
  private static void writeAppBase(Path appBase) throws IOException {
    Path webInf = appBase.resolve("ROOT/WEB-INF");
    Files.createDirectories(webInf);
    Files.writeString(appBase.resolve("ROOT/index.html"), "<p>hello from a.test</p>\n");
    Files.writeString(
        webInf.resolve("web.xml"),
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <servlet>
            <servlet-name>whoami</servlet-name>
            <servlet-class>org.perchild.container.testapp.WhoAmIServlet</servlet-class>
          </servlet>
          <servlet-mapping>
            <servlet-name>whoami</servlet-name>
            <url-pattern>/whoami</url-pattern>
          </servlet-mapping>
          <servlet>
            <servlet-name>slow</servlet-name>
            <servlet-class>org.perchild.container.testapp.SlowServlet</servlet-class>
          </servlet>
          <servlet-mapping>
            <servlet-name>slow</servlet-name>
            <url-pattern>/slow</url-pattern>
          </servlet-mapping>
          <servlet>
            <servlet-name>counter</servlet-name>
            <servlet-class>org.perchild.container.testapp.CounterServlet</servlet-class>
          </servlet>
          <servlet-mapping>
            <servlet-name>counter</servlet-name>
            <url-pattern>/session/*</url-pattern>
          </servlet-mapping>
        </web-app>
        """);
    Path classes = webInf.resolve("classes");
    for (Class<?> servlet : List.of(WhoAmIServlet.class, SlowServlet.class, CounterServlet.class)) {
      String servletFile = servlet.getName().replace('.', '/') + ".class";
      Path servletTarget = classes.resolve(servletFile);
      Files.createDirectories(servletTarget.getParent());
      try (InputStream in = servlet.getClassLoader().getResourceAsStream(servletFile)) {
        Files.copy(in, servletTarget);
      }
    }
    ByteArrayOutputStream war = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(war)) {
      zip.putNextEntry(new ZipEntry("index.html"));
      zip.write("<p>never served</p>\n".repeat(200).getBytes(UTF_8));
      zip.closeEntry();
    }
    byte[] whole = war.toByteArray();
    Files.write(appBase.resolve("bad.war"), java.util.Arrays.copyOf(whole, whole.length / 2));
  }

  private static void copyTree(Path source, Path target) throws IOException {
    if (!Files.isDirectory(source)) {
      Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
      return;
    }
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes)
              throws IOException {
            Files.createDirectories(target.resolve(source.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.copy(file, target.resolve(source.relativize(file).toString()));
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void makeWorldReadable(Path root) throws IOException {
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes)
              throws IOException {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
