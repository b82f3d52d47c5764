package org.perchild.protocol;

import static org.perchild.protocol.MessageText.bytes;
import static org.perchild.protocol.MessageText.expectNoFd;
import static org.perchild.protocol.MessageText.expectWords;
import static org.perchild.protocol.MessageText.intNumber;
import static org.perchild.protocol.MessageText.text;
import static org.perchild.protocol.MessageText.words;

/**
 * What the launcher tells the acceptor on its control channel: a child is READY ({@code CHILD}, its
 * hand-off channel attached; {@code BACKLOG}, the child's end of it), a child has gone ({@code
 * GONE}), a graceful restart's new configuration is in force ({@code RELOAD}), the scoreboard
 * ({@code SCOREBOARD}, every second) with the per-host counts summed over the children ({@code
 * HOSTS}, after it), and {@code STOP}. The launcher's supervisor sends them; the acceptor's control
 * reader decodes them and its loop applies them.
 */
public sealed interface LauncherToAcceptor extends ControlMessage {

  /**
   * {@code CHILD <slot> <uid> <gid>}: a child of {@code uid}/{@code gid} is READY in {@code slot};
   * {@code handoffFd} is the acceptor's end of its hand-off channel, attached as {@code SCM_RIGHTS}
   * (the sender's own number on the way out, the receiver's, which it then owns, on the way in).
   */
  record Child(int slot, int uid, int gid, int handoffFd) implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return bytes("CHILD " + slot + " " + uid + " " + gid);
    }

    @Override
    public int fd() {
      return handoffFd;
    }
  }

  /**
   * {@code BACKLOG <slot>}, right after the {@code CHILD} of that slot: {@code childEndFd} is the
   * child's own end of the hand-off channel, attached as {@code SCM_RIGHTS}. The acceptor never
   * reads it while the child lives; once the child has gone, it takes from it every connection the
   * child never took (the kernel keeps them queued while a descriptor of that end is open) and
   * routes them again, so that a child that dies loses only the connections it had taken.
   */
  record Backlog(int slot, int childEndFd) implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return bytes("BACKLOG " + slot);
    }

    @Override
    public int fd() {
      return childEndFd;
    }
  }

  /** {@code GONE <slot>}: the child in {@code slot} has exited: stop routing to it. */
  record Gone(int slot) implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return bytes("GONE " + slot);
    }
  }

  /**
   * {@code RELOAD}: a graceful restart's configuration is in force; route by it. It may carry a
   * descriptor ({@code configFd}, or -1): the new configuration, as the launcher validated it.
   */
  record Reload(int configFd) implements LauncherToAcceptor {
    /** A RELOAD without a descriptor: the acceptor reads the configuration file again. */
    public Reload() {
      this(-1);
    }

    @Override
    public byte[] encode() {
      return bytes("RELOAD");
    }

    @Override
    public int fd() {
      return configFd;
    }
  }

  /** {@code SCOREBOARD ...}: the launcher's scoreboard ({@link Scoreboard#message()}). */
  record Status(Scoreboard scoreboard) implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return bytes(scoreboard.message());
    }
  }

  /**
   * {@code HOSTS <report> <part>/<parts> ...}: one part of the launcher's per-host rows ({@link
   * HostTable#sums()}), in the form a child reports its own ({@link ChildToLauncher.Hosts}, which
   * also splits them into parts and {@link HostReports} puts back together): the rows, summed over
   * the running children, that {@code /server-status} and {@code /metrics} show per virtual host.
   */
  record Hosts(ChildToLauncher.Hosts part) implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return part.encode();
    }
  }

  /** {@code STOP}: close the listen sockets and exit 0. */
  record Stop() implements LauncherToAcceptor {
    @Override
    public byte[] encode() {
      return bytes("STOP");
    }

    @Override
    public boolean isLast() {
      return true;
    }
  }

  /**
   * Reads one message.
   *
   * @param fd the descriptor that came with it, or -1; only {@code CHILD} (which needs one) and
   *     {@code RELOAD} may carry one
   * @throws IllegalArgumentException if it is none of the above, saying why
   */
  static LauncherToAcceptor decode(byte[] payload, int fd) {
    String text = text(payload);
    if (text.startsWith("SCOREBOARD ")) {
      expectNoFd("SCOREBOARD", fd);
      return new Status(Scoreboard.parse(text));
    }
    String[] words = words(text);
    switch (words[0]) {
      case "HOSTS" -> {
        expectNoFd("HOSTS", fd);
        return new Hosts(ChildToLauncher.Hosts.parse(text, words));
      }
      case "CHILD" -> {
        expectWords(text, words, 4);
        if (fd < 0) {
          throw new IllegalArgumentException("'" + text + "' came without a hand-off channel");
        }
        return new Child(
            intNumber(text, words[1]), intNumber(text, words[2]), intNumber(text, words[3]), fd);
      }
      case "BACKLOG" -> {
        expectWords(text, words, 2);
        if (fd < 0) {
          throw new IllegalArgumentException("'" + text + "' came without the child's end");
        }
        return new Backlog(intNumber(text, words[1]), fd);
      }
      case "GONE" -> {
        expectWords(text, words, 2);
        expectNoFd(text, fd);
        return new Gone(intNumber(text, words[1]));
      }
      case "RELOAD" -> {
        expectWords(text, words, 1);
        return new Reload(fd);
      }
      case "STOP" -> {
        expectWords(text, words, 1);
        expectNoFd(text, fd);
        return new Stop();
      }
      default -> throw MessageText.unknown(text);
    }
  }
}
