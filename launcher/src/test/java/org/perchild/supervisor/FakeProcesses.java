package org.perchild.supervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.InheritedFd;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ProcessCommand;

/**
 * A {@link ProcessSpawner} that starts nothing: each "process" keeps a copy of the control
 * channel's child end it would have inherited (fd 3), so the test speaks as the acceptor or the
 * child on a real socketpair and reads what the launcher sends. Signals are logged, and exits are
 * what the test says they are. Only the test's thread (which also turns the supervisor's loop) uses
 * it.
 */
final class FakeProcesses implements ProcessSpawner {

  /** One signal the supervisor sent. */
  record Sent(int pid, int signal) {}

  private final List<Process> spawned = new ArrayList<>();
  private final List<Sent> signals = new ArrayList<>();
  private final Deque<ExitStatus> exits = new ArrayDeque<>();
  private int lastPid = 4000;

  @Override
  public int spawn(ProcessCommand command) throws PosixException {
    Process process = new Process(++lastPid, command);
    spawned.add(process);
    return process.pid;
  }

  @Override
  public boolean signal(int pid, int signal) {
    signals.add(new Sent(pid, signal));
    return true;
  }

  @Override
  public Optional<ExitStatus> reap() {
    return Optional.ofNullable(exits.poll());
  }

  /**
   * {@code process} exits with {@code code}: its end of the channel closes, then it is reaped. A
   * launcher reader that has not reached {@code recvmsg} yet cannot read the channel that reuses
   * its descriptor number: {@code ControlChannel.close()} keeps the number until its reader is
   * done.
   */
  void exit(Process process, int code) {
    process.end();
    exits.add(new ExitStatus(process.pid, ExitStatus.State.EXITED, code));
  }

  /** Every signal sent so far, in order. */
  List<Sent> signals() {
    return List.copyOf(signals);
  }

  /** The acceptor spawned last. */
  Process acceptor() {
    return spawned.stream().filter(Process::isAcceptor).reduce((a, b) -> b).orElseThrow();
  }

  /** Every process spawned for {@code slot}, the oldest first. */
  List<Process> slot(int slot) {
    return spawned.stream().filter(p -> !p.isAcceptor() && p.slot() == slot).toList();
  }

  /** The process spawned last for {@code slot}. */
  Process latest(int slot) {
    List<Process> all = slot(slot);
    return all.get(all.size() - 1);
  }

  /** Every child spawned for generation {@code generation}. */
  List<Process> generation(int generation) {
    return spawned.stream().filter(p -> !p.isAcceptor() && p.generation() == generation).toList();
  }

  /** Every process spawned, in order. */
  List<Process> spawned() {
    return List.copyOf(spawned);
  }

  /** Closes what the processes still hold. */
  void closeAll() {
    spawned.forEach(Process::end);
  }

  /** One spawned process as the test plays it. */
  static final class Process {
    final int pid;
    final ProcessCommand command;
    private final SeqPacketChannel control;

    Process(int pid, ProcessCommand command) throws PosixException {
      this.pid = pid;
      this.command = command;
      SeqPacketChannel inherited = null;
      for (InheritedFd fd : command.fds()) {
        if (fd.childFd() == 3) {
          // The launcher closes its copy of the child end once spawn returns, as after a fork.
          inherited = new SeqPacketChannel(Descriptors.duplicate(fd.parentFd(), 3));
        }
      }
      if (inherited == null) {
        throw new IllegalArgumentException("no control channel at fd 3: " + command.fds());
      }
      this.control = inherited;
    }

    boolean isAcceptor() {
      return command.argv().contains(ProcessCommand.ACCEPTOR_MAIN);
    }

    int slot() {
      return Integer.parseInt(argument("--slot"));
    }

    int generation() {
      return Integer.parseInt(argument("--generation"));
    }

    String argument(String name) {
      List<String> argv = command.argv();
      int at = argv.indexOf(name);
      if (at < 0) {
        throw new IllegalStateException(name + " not in " + argv);
      }
      return argv.get(at + 1);
    }

    /** Sends {@code text} to the launcher on its control channel. */
    void say(String text) {
      try {
        control.send(text.getBytes(StandardCharsets.UTF_8), -1);
      } catch (PosixException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The next message from the launcher, or null if none is waiting; a passed fd is closed. */
    String poll() {
      try {
        ReceivedPacket packet = control.receiveNonBlocking(1 << 16);
        if (!packet.isMessage()) {
          return null;
        }
        if (packet.hasFd()) {
          Descriptors.close(packet.fd());
        }
        return new String(packet.payload(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void end() {
      try {
        control.close();
      } catch (PosixException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return (isAcceptor() ? "acceptor" : "child " + slot() + " gen " + generation())
          + " pid "
          + pid;
    }
  }
}
