package org.perchild.acceptor;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The bridge between raw descriptors and JDK channels that the acceptor needs: it adopts the listen
 * sockets the launcher bound (inherited at fixed numbers) as {@link ServerSocketChannel}s, and it
 * reads the descriptor number of an accepted socket to pass it to a child.
 *
 * <p>The JDK has no public API for either, so this uses {@code sun.nio.ch} (docs/ARCHITECTURE.md,
 * "The hand-off"): {@code ServerSocketChannelImpl(SelectorProvider, ProtocolFamily, FileDescriptor,
 * boolean)}, {@code IOUtil.newFD(int)} and {@code SelChImpl.getFDVal()}, the same on Java 17 and
 * 25. The JVM must run with {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}; without it every
 * call here fails with an {@link IllegalStateException} that says so.
 */
public final class InheritedChannels {

  private static final String OPEN_FLAG = "--add-opens java.base/sun.nio.ch=ALL-UNNAMED";

  private InheritedChannels() {}

  /**
   * Wraps {@code fd}, a socket that is already bound and listening, as a server socket channel. The
   * channel owns the descriptor from now on: closing it closes {@code fd}.
   *
   * @param inet6 whether the socket is {@code AF_INET6} (a dual-stack or IPv6 listener)
   */
  public static ServerSocketChannel adoptListening(int fd, boolean inet6) throws IOException {
    ProtocolFamily family = inet6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    try {
      Object descriptor = Reflected.NEW_FD.invoke(null, fd);
      return (ServerSocketChannel)
          Reflected.SERVER_CHANNEL.newInstance(
              SelectorProvider.provider(), family, (FileDescriptor) descriptor, true);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("adopting listen fd " + fd, e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("adopting listen fd " + fd + ": " + e, e);
    }
  }

  /** The descriptor number of a JDK socket channel (the acceptor keeps ownership). */
  public static int descriptorOf(SelectableChannel channel) {
    try {
      return (int) Reflected.GET_FD_VAL.invoke(channel);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the descriptor of " + channel + ": " + e, e);
    }
  }

  /** Looked up on first use, so that a missing {@code --add-opens} fails with its name. */
  private static final class Reflected {
    static final Method NEW_FD;
    static final Constructor<?> SERVER_CHANNEL;
    static final Method GET_FD_VAL;

    static {
      try {
        NEW_FD = Class.forName("sun.nio.ch.IOUtil").getDeclaredMethod("newFD", int.class);
        NEW_FD.setAccessible(true);
        SERVER_CHANNEL =
            Class.forName("sun.nio.ch.ServerSocketChannelImpl")
                .getDeclaredConstructor(
                    SelectorProvider.class,
                    ProtocolFamily.class,
                    FileDescriptor.class,
                    boolean.class);
        SERVER_CHANNEL.setAccessible(true);
        GET_FD_VAL = Class.forName("sun.nio.ch.SelChImpl").getDeclaredMethod("getFDVal");
        GET_FD_VAL.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot reach sun.nio.ch (the JVM needs " + OPEN_FLAG + "): " + e, e);
      }
    }
  }
}
