package org.perchild.posix;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;

/**
 * Turns the descriptor of a connected TCP socket that arrived over a hand-off channel into a real
 * JDK {@link SocketChannel}: in a child, so that Jetty's selector serves it like one it accepted
 * itself ({@code HandoffConnector.handOff}); in the acceptor, for a connection it takes back from
 * the hand-off channel of a child that died before taking it.
 *
 * <p>The JDK has no public way to do this, so it uses the constructor the JDK itself uses for
 * accepted sockets, {@code sun.nio.ch.SocketChannelImpl(SelectorProvider, ProtocolFamily,
 * FileDescriptor, SocketAddress)}, with {@code sun.nio.ch.IOUtil.newFD(int)}; both are the same on
 * JDK 17 and 25. The JVM must run with {@value #ADD_OPENS}.
 */
public final class SocketChannels {

  /** The JVM option this class needs. */
  public static final String ADD_OPENS = "--add-opens java.base/sun.nio.ch=ALL-UNNAMED";

  private SocketChannels() {}

  /**
   * Wraps a connected TCP socket as a blocking {@link SocketChannel} that owns the descriptor:
   * closing the channel closes {@code fd}. The local and remote addresses are read from the socket
   * ({@code getsockname}, {@code getpeername}), so they are what the client's socket says.
   *
   * <p>{@code family} must be the address family of the socket, which the caller knows from the
   * listener: sockets accepted on a dual-stack listener are {@code INET6} even when the client is
   * an IPv4 one.
   *
   * <p>The descriptor is consumed in every case: if this method throws, it has closed {@code fd}.
   *
   * @throws IOException if {@code fd} is not a connected socket (the message names the cause)
   * @throws IllegalStateException if the JVM was started without {@value #ADD_OPENS}
   */
  public static SocketChannel adopt(int fd, ProtocolFamily family) throws IOException {
    try {
      if (fd < 0) {
        throw new IllegalArgumentException("fd " + fd + " is not a descriptor");
      }
      Objects.requireNonNull(family, "family");
      if (family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
        throw new IllegalArgumentException("fd " + fd + ": family " + family + " is not TCP/IP");
      }
      FileDescriptor descriptor = Jdk.newFd(fd);
      SocketAddress remote;
      try {
        remote = Jdk.remoteAddress(descriptor);
      } catch (IOException e) {
        throw new IOException(
            "getpeername(fd " + fd + "): " + e.getMessage() + "; not a connected socket", e);
      }
      return Jdk.newSocketChannel(family, descriptor, remote);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(fd, e);
      throw e;
    }
  }

  private static void closeQuietly(int fd, Throwable cause) {
    if (fd < 0) {
      return;
    }
    try {
      if (Native.posix().close(fd) < 0) {
        cause.addSuppressed(
            new IOException("close(fd " + fd + "): errno " + Native.posix().errno()));
      }
    } catch (RuntimeException | LinkageError e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * The JDK internals, looked up once. A failed look-up is kept and reported on every use, so the
   * missing flag is named in the exception the caller logs, not in a class-initialization error.
   */
  private static final class Jdk {

    private static final MethodHandle NEW_FD;
    private static final MethodHandle REMOTE_ADDRESS;
    private static final MethodHandle NEW_CHANNEL;
    private static final IllegalStateException UNAVAILABLE;

    static {
      MethodHandle newFd = null;
      MethodHandle remoteAddress = null;
      MethodHandle newChannel = null;
      IllegalStateException unavailable = null;
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
        Method newFdMethod = ioUtil.getDeclaredMethod("newFD", int.class);
        newFdMethod.setAccessible(true);
        newFd = lookup.unreflect(newFdMethod);

        Class<?> net = Class.forName("sun.nio.ch.Net");
        Method remote = net.getDeclaredMethod("remoteAddress", FileDescriptor.class);
        remote.setAccessible(true);
        remoteAddress = lookup.unreflect(remote);

        Class<?> impl = Class.forName("sun.nio.ch.SocketChannelImpl");
        Constructor<?> constructor =
            impl.getDeclaredConstructor(
                SelectorProvider.class,
                ProtocolFamily.class,
                FileDescriptor.class,
                SocketAddress.class);
        constructor.setAccessible(true);
        newChannel =
            lookup
                .unreflectConstructor(constructor)
                .asType(
                    MethodType.methodType(
                        SocketChannel.class,
                        SelectorProvider.class,
                        ProtocolFamily.class,
                        FileDescriptor.class,
                        SocketAddress.class));
      } catch (RuntimeException | ReflectiveOperationException e) {
        // InaccessibleObjectException (a RuntimeException) when the package is not opened.
        unavailable =
            new IllegalStateException(
                "cannot adopt socket descriptors: the JVM needs " + ADD_OPENS + " (" + e + ")", e);
      }
      NEW_FD = newFd;
      REMOTE_ADDRESS = remoteAddress;
      NEW_CHANNEL = newChannel;
      UNAVAILABLE = unavailable;
    }

    private Jdk() {}

    private static void check() {
      if (UNAVAILABLE != null) {
        throw new IllegalStateException(UNAVAILABLE.getMessage(), UNAVAILABLE.getCause());
      }
    }

    static FileDescriptor newFd(int fd) {
      check();
      try {
        return (FileDescriptor) NEW_FD.invokeExact(fd);
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }

    static SocketAddress remoteAddress(FileDescriptor fd) throws IOException {
      check();
      try {
        return (SocketAddress) REMOTE_ADDRESS.invoke(fd);
      } catch (IOException e) {
        throw e;
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }

    static SocketChannel newSocketChannel(
        ProtocolFamily family, FileDescriptor fd, SocketAddress remote) throws IOException {
      check();
      try {
        return (SocketChannel)
            NEW_CHANNEL.invokeExact(SelectorProvider.provider(), family, fd, remote);
      } catch (IOException e) {
        throw e;
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }

    private static RuntimeException rethrow(Throwable t) {
      if (t instanceof RuntimeException e) {
        return e;
      }
      if (t instanceof Error e) {
        throw e;
      }
      if (t instanceof InvocationTargetException e) {
        return rethrow(e.getCause());
      }
      return new IllegalStateException(t);
    }
  }
}
