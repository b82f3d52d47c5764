package org.perchild.supervisor;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.perchild.config.Listener;

/**
 * The {@code Listen} sockets, bound by the launcher (the only process that may bind port 80) and
 * held open for the server's life: a restarted acceptor inherits them again, and the kernel's
 * backlog keeps the connections that arrive meanwhile. The launcher never accepts on them.
 */
final class ListenSockets implements Closeable {

  /** httpd's default ListenBacklog. */
  private static final int BACKLOG = 511;

  private final List<ServerSocketChannel> channels = new ArrayList<>();
  private final List<Integer> fds = new ArrayList<>();

  /** Binds every listener, in config order; closes what it bound if one fails. */
  static ListenSockets bind(List<Listener> listeners) throws IOException {
    ListenSockets sockets = new ListenSockets();
    try {
      for (Listener listener : listeners) {
        sockets.add(listener);
      }
    } catch (IOException | RuntimeException e) {
      sockets.close();
      throw e;
    }
    return sockets;
  }

  private void add(Listener listener) throws IOException {
    InetAddress address = listener.host() == null ? null : InetAddress.getByName(listener.host());
    boolean inet4 = address instanceof Inet4Address;
    // No address: one dual-stack IPv6 socket takes IPv4 and IPv6 clients, as httpd's does.
    ServerSocketChannel channel =
        ServerSocketChannel.open(
            inet4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      InetSocketAddress bindTo =
          address == null
              ? new InetSocketAddress(listener.port())
              : new InetSocketAddress(address, listener.port());
      channel.bind(bindTo, BACKLOG);
    } catch (IOException e) {
      channel.close();
      throw new IOException(
          "could not bind to address " + listener.address() + ": " + e.getMessage(), e);
    }
    channels.add(channel);
    fds.add(fdOf(channel));
  }

  /** The descriptor of each listener, in config order. */
  List<Integer> fds() {
    return List.copyOf(fds);
  }

  /** The bound port of each listener (a {@code Listen 0} in tests gets an ephemeral port). */
  List<Integer> ports() throws IOException {
    List<Integer> ports = new ArrayList<>();
    for (ServerSocketChannel channel : channels) {
      ports.add(((InetSocketAddress) channel.getLocalAddress()).getPort());
    }
    return ports;
  }

  static int fdOf(Object selectableChannel) {
    try {
      Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
      Method getFdVal = selChImpl.getMethod("getFDVal");
      getFdVal.setAccessible(true);
      return (int) getFdVal.invoke(selectableChannel);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read a socket's descriptor: run with --add-opens java.base/sun.nio.ch=ALL-UNNAMED",
          e);
    }
  }

  @Override
  public void close() {
    for (ServerSocketChannel channel : channels) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing at exit: nothing more to do
      }
    }
  }
}
