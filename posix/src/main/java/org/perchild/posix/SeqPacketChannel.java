package org.perchild.posix;

import java.io.Closeable;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One end of an {@code AF_UNIX SOCK_SEQPACKET} channel (see {@link ChannelPair}): whole messages,
 * each optionally carrying one descriptor as {@code SCM_RIGHTS}. The acceptor sends connections to
 * children over it (docs/ARCHITECTURE.md, "The hand-off"), and launcher and children exchange
 * control messages on another. Received descriptors are close-on-exec ({@code MSG_CMSG_CLOEXEC}).
 *
 * <p>Messages must not be empty: a zero-length SEQPACKET message cannot be told apart from the end
 * of the stream on the receiving side, so {@code send} refuses one. Sends use {@code MSG_NOSIGNAL}:
 * a closed peer is an {@code EPIPE} exception, never a {@code SIGPIPE}.
 *
 * <p>Thread-safe: sends are serialized with each other, and receives with each other. Each
 * direction keeps its native {@code msghdr} and buffers for the life of the channel, so that a
 * hand-off costs no allocation (the acceptor sends, and a child receives, one message per
 * connection).
 */
public final class SeqPacketChannel implements Closeable {

  /** Outcome of a send the caller has to act on. */
  public enum SendResult {
    /** The whole message (and descriptor) is in the peer's queue. */
    SENT,
    /**
     * The channel is full ({@code EAGAIN}): nothing was sent and the caller still owns the
     * descriptor. Only a non-blocking send (or a non-blocking socket) reports this.
     */
    CHANNEL_FULL
  }

  private static final int INT_BYTES = 4;

  private final int fd;
  private final AtomicBoolean closed = new AtomicBoolean();
  // Each direction's native buffers, created on first use and guarded by their own lock.
  private final Object sending = new Object();
  private final Object receiving = new Object();
  private MsgHdr sendBuffers;
  private MsgHdr receiveBuffers;

  /** Wraps {@code fd}, one end of a SEQPACKET channel; {@link #close()} closes it. */
  public SeqPacketChannel(int fd) {
    if (fd < 0) {
      throw new IllegalArgumentException("not a descriptor: " + fd);
    }
    this.fd = fd;
  }

  /** The descriptor, e.g. to place it in a child at spawn. */
  public int fd() {
    return fd;
  }

  /**
   * Sends one message, waiting while the channel is full.
   *
   * @param payload the message, at least one byte
   * @param passFd a descriptor to pass with it, or -1; the caller keeps its own copy and closes it
   */
  public SendResult send(byte[] payload, int passFd) throws PosixException {
    return send(payload, passFd, 0);
  }

  /**
   * Sends one message without waiting ({@code MSG_DONTWAIT}): {@link SendResult#CHANNEL_FULL} if
   * the peer's queue has no room, for the non-blocking acceptor to try another child.
   */
  public SendResult sendNonBlocking(byte[] payload, int passFd) throws PosixException {
    return send(payload, passFd, LibC.MSG_DONTWAIT);
  }

  /**
   * Receives one message, waiting for it. Never returns {@code NOTHING_YET} unless the socket
   * itself is non-blocking.
   *
   * @param maxPayload the largest message expected; a longer one is a {@link
   *     TruncatedMessageException}
   */
  public ReceivedPacket receive(int maxPayload) throws PosixException, TruncatedMessageException {
    return receive(maxPayload, 0);
  }

  /** Receives one message if one is waiting ({@code MSG_DONTWAIT}), else {@code NOTHING_YET}. */
  public ReceivedPacket receiveNonBlocking(int maxPayload)
      throws PosixException, TruncatedMessageException {
    return receive(maxPayload, LibC.MSG_DONTWAIT);
  }

  /**
   * Shuts both directions down ({@code shutdown(SHUT_RDWR)}) without closing the descriptor: a
   * receive waiting on this end, or any later one, returns the end of the stream once the queued
   * messages are read, a send fails with {@code EPIPE}, and the peer sees the end of the stream.
   * Unlike {@link #close()}, it wakes a thread blocked in {@code recvmsg} and keeps the descriptor
   * number from being reused while that thread may still call with it.
   */
  public void shutdown() throws PosixException {
    if (LibC.get().shutdown(fd, LibC.SHUT_RDWR) != 0) {
      throw new PosixException("shutdown(fd " + fd + ", SHUT_RDWR)", LibC.errno());
    }
  }

  /** Closes the descriptor; later calls do nothing. */
  @Override
  public void close() throws PosixException {
    if (closed.compareAndSet(false, true)) {
      Descriptors.close(fd);
    }
  }

  @Override
  public String toString() {
    return "SeqPacketChannel(fd " + fd + ")";
  }

  private SendResult send(byte[] payload, int passFd, int flags) throws PosixException {
    if (payload.length == 0) {
      throw new IllegalArgumentException("an empty SEQPACKET message reads as end of stream");
    }
    synchronized (sending) {
      sendBuffers = MsgHdr.reuse(sendBuffers, payload.length);
      MsgHdr msg = sendBuffers;
      msg.data.put(0, payload, 0, payload.length);
      if (passFd >= 0) {
        msg.attachFd(passFd);
      } else {
        msg.noControl();
      }
      while (true) {
        long sent = LibC.get().sendmsg(fd, msg.header, flags | LibC.MSG_NOSIGNAL);
        Reference.reachabilityFence(msg);
        if (sent >= 0) {
          if (sent != payload.length) {
            // SEQPACKET is all or nothing; anything else is a kernel we do not understand.
            throw new IllegalStateException(
                "sendmsg(fd " + fd + ") sent " + sent + " of " + payload.length + " bytes");
          }
          return SendResult.SENT;
        }
        int errno = LibC.errno();
        if (errno == LibC.EAGAIN) {
          return SendResult.CHANNEL_FULL;
        }
        if (errno != LibC.EINTR) {
          throw new PosixException(
              "sendmsg(fd " + fd + (passFd >= 0 ? ", passing fd " + passFd : "") + ")", errno);
        }
      }
    }
  }

  private ReceivedPacket receive(int maxPayload, int flags)
      throws PosixException, TruncatedMessageException {
    if (maxPayload <= 0) {
      throw new IllegalArgumentException("maxPayload must be positive: " + maxPayload);
    }
    synchronized (receiving) {
      receiveBuffers = MsgHdr.reuse(receiveBuffers, maxPayload);
      return receive(receiveBuffers, maxPayload, flags);
    }
  }

  private ReceivedPacket receive(MsgHdr msg, int maxPayload, int flags)
      throws PosixException, TruncatedMessageException {
    msg.makeRoomForOneFd();
    long received;
    while (true) {
      received = LibC.get().recvmsg(fd, msg.header, flags | LibC.MSG_CMSG_CLOEXEC);
      Reference.reachabilityFence(msg);
      if (received >= 0) {
        break;
      }
      int errno = LibC.errno();
      if (errno == LibC.EAGAIN) {
        return ReceivedPacket.NOTHING;
      }
      if (errno != LibC.EINTR) {
        throw new PosixException("recvmsg(fd " + fd + ")", errno);
      }
    }
    List<Integer> fds = msg.receivedFds();
    int msgFlags = msg.flags();
    if ((msgFlags & (LibC.MSG_TRUNC | LibC.MSG_CTRUNC)) != 0) {
      throw new TruncatedMessageException(
          "recvmsg(fd "
              + fd
              + "): message truncated ("
              + ((msgFlags & LibC.MSG_TRUNC) != 0 ? "MSG_TRUNC: longer than " + maxPayload : "")
              + ((msgFlags & (LibC.MSG_TRUNC | LibC.MSG_CTRUNC))
                      == (LibC.MSG_TRUNC | LibC.MSG_CTRUNC)
                  ? ", "
                  : "")
              + ((msgFlags & LibC.MSG_CTRUNC) != 0 ? "MSG_CTRUNC: more than one fd" : "")
              + ")"
              + closeAll(fds));
    }
    if (received == 0) {
      // The peer closed (or sent the empty message that our senders refuse to send).
      String closedFds = closeAll(fds);
      if (!fds.isEmpty()) {
        throw new TruncatedMessageException(
            "recvmsg(fd " + fd + "): empty message with descriptors" + closedFds);
      }
      return ReceivedPacket.END;
    }
    if (fds.size() > 1) {
      throw new TruncatedMessageException(
          "recvmsg(fd " + fd + "): " + fds.size() + " descriptors, expected one" + closeAll(fds));
    }
    byte[] payload = new byte[(int) received];
    msg.data.get(0, payload, 0, payload.length);
    return new ReceivedPacket(
        ReceivedPacket.Status.MESSAGE, payload, fds.isEmpty() ? -1 : fds.get(0));
  }

  /** Closes descriptors that arrived with a message we reject; says so for the message. */
  private static String closeAll(List<Integer> fds) {
    if (fds.isEmpty()) {
      return "";
    }
    StringBuilder what = new StringBuilder("; closed received fd");
    for (int each : fds) {
      what.append(' ').append(each);
      if (LibC.get().close(each) != 0) {
        what.append(" (close: ").append(PosixException.describe(LibC.errno())).append(')');
      }
    }
    return what.toString();
  }

  /**
   * A {@code struct msghdr} with one {@code iovec} and an optional control buffer, laid out for
   * Linux: every pointer and {@code size_t} is address-sized, {@code msg_namelen} and {@code
   * msg_flags} are ints padded to the address size. It holds every buffer it points to, so keeping
   * it reachable across the call keeps the native memory alive.
   */
  private static final class MsgHdr {
    private final Runtime runtime = LibC.runtime();
    private final int word = runtime.addressSize();
    private final int cmsgHeader = align(word + 2 * INT_BYTES);
    private final int controlSpace = cmsgHeader + align(INT_BYTES);
    private final Pointer header = Memory.allocateDirect(runtime, 7 * word, true);
    private final Pointer iovec = Memory.allocateDirect(runtime, 2 * word, true);
    private final Pointer control = Memory.allocateDirect(runtime, controlSpace, true);
    private final Pointer data;
    private final int capacity;

    private MsgHdr(int capacity) {
      this.capacity = capacity;
      data = Memory.allocateDirect(runtime, capacity, false);
      putWord(iovec, 0, data.address());
      putWord(header, 2 * word, iovec.address());
      putWord(header, 3 * word, 1);
    }

    /**
     * {@code previous} made ready for a message of up to {@code dataBytes}, or a new one if it is
     * null or too small. The data buffer is not cleared: only the bytes of the message are read or
     * sent.
     */
    static MsgHdr reuse(MsgHdr previous, int dataBytes) {
      MsgHdr msg = previous != null && previous.capacity >= dataBytes ? previous : null;
      if (msg == null) {
        msg = new MsgHdr(Math.max(dataBytes, previous == null ? 0 : previous.capacity));
      }
      msg.putWord(msg.iovec, msg.word, dataBytes);
      msg.putWord(msg.header, 0, 0); // msg_name
      msg.putWord(msg.header, msg.word, 0); // msg_namelen
      msg.putWord(msg.header, 6 * msg.word, 0); // msg_flags
      return msg;
    }

    void attachFd(int passFd) {
      makeRoomForOneFd();
      putWord(control, 0, cmsgHeader + INT_BYTES);
      control.putInt(word, LibC.SOL_SOCKET);
      control.putInt(word + INT_BYTES, LibC.SCM_RIGHTS);
      control.putInt(cmsgHeader, passFd);
    }

    void makeRoomForOneFd() {
      control.setMemory(0, controlSpace, (byte) 0);
      putWord(header, 4 * word, control.address());
      putWord(header, 5 * word, controlSpace);
    }

    void noControl() {
      putWord(header, 4 * word, 0);
      putWord(header, 5 * word, 0);
    }

    int flags() {
      return header.getInt(6 * word);
    }

    /** Every descriptor in the {@code SCM_RIGHTS} control messages the kernel filled in. */
    List<Integer> receivedFds() {
      List<Integer> fds = new ArrayList<>();
      if (getWord(header, 4 * word) == 0) {
        return fds;
      }
      long length = getWord(header, 5 * word);
      long offset = 0;
      while (offset + cmsgHeader <= length) {
        long cmsgLen = getWord(control, offset);
        if (cmsgLen < cmsgHeader || offset + cmsgLen > length) {
          break;
        }
        if (control.getInt(offset + word) == LibC.SOL_SOCKET
            && control.getInt(offset + word + INT_BYTES) == LibC.SCM_RIGHTS) {
          for (long at = offset + cmsgHeader; at + INT_BYTES <= offset + cmsgLen; at += INT_BYTES) {
            fds.add(control.getInt(at));
          }
        }
        offset += align(cmsgLen);
      }
      return fds;
    }

    private int align(int length) {
      return (int) align((long) length);
    }

    private long align(long length) {
      return (length + word - 1) & -word;
    }

    private void putWord(Pointer p, long offset, long value) {
      if (word == 8) {
        p.putLong(offset, value);
      } else {
        p.putInt(offset, (int) value);
      }
    }

    private long getWord(Pointer p, long offset) {
      return word == 8 ? p.getLong(offset) : p.getInt(offset) & 0xffffffffL;
    }
  }
}
