package org.perchild.supervisor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.perchild.config.ChildGroup;
import org.perchild.operator.OperatorReply;
import org.perchild.posix.Account;
import org.perchild.protocol.ConfigurationStatus;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.Scoreboard;

/**
 * The server's status as the launcher sees it: the {@link Scoreboard} of the acceptor and every
 * slot (and retired process), and the per-host rows of their latest HOSTS reports. The {@link
 * Supervisor}'s loop pushes the scoreboard and the rows to the acceptor every second (it renders
 * {@code /server-status} and {@code /metrics} from it) and answers {@code perchild status} with
 * {@link #reply}. It reads the processes as the loop's thread sees them and changes nothing.
 */
final class ServerStatus {

  private final AcceptorProcess acceptor;
  private final ChildTable children;
  private final ConfigurationHandover handover;
  private final LongSupplier nanoTime;
  private final Instant serverStartedAt;
  private final Account singleUser;

  ServerStatus(
      AcceptorProcess acceptor,
      ChildTable children,
      ConfigurationHandover handover,
      LongSupplier nanoTime,
      Instant serverStartedAt,
      Account singleUser) {
    this.acceptor = acceptor;
    this.children = children;
    this.handover = handover;
    this.nanoTime = nanoTime;
    this.serverStartedAt = serverStartedAt;
    this.singleUser = singleUser;
  }

  /** {@code ChildSpares}, shown below the groups; null: none (the unit tests). */
  private ChildSpares spares;

  void showSpares(ChildSpares spares) {
    this.spares = spares;
  }

  /**
   * {@code Spares: 1 ready, 0 starting (pids 4711)}: the spare JVMs that wait, prepared or still
   * preparing, for a group's next child.
   */
  String sparesText() {
    Spares s = spares();
    return "Spares: "
        + s.ready()
        + " ready, "
        + s.starting()
        + " starting"
        + (s.pids().isEmpty() ? "" : " (pids " + String.join(" ", s.pids()) + ")")
        + "\n";
  }

  /** {@link #sparesText()} as a JSON object. */
  String sparesJson() {
    Spares s = spares();
    return "{\"ready\":"
        + s.ready()
        + ",\"starting\":"
        + s.starting()
        + ",\"pids\":["
        + String.join(",", s.pids())
        + "]}";
  }

  /** The waiting spares, ready ones first. */
  private record Spares(long ready, long starting, List<String> pids) {}

  private Spares spares() {
    List<ChildSpares.Spare> waiting = spares == null ? List.of() : spares.waiting();
    long ready = waiting.stream().filter(ChildSpares.Spare::ready).count();
    return new Spares(
        ready,
        waiting.size() - ready,
        waiting.stream().map(s -> Integer.toString(s.pid())).toList());
  }

  /** The answer to {@code perchild status}: text, or the scoreboard's JSON with the hosts in it. */
  OperatorReply reply(boolean json) {
    HostTable hosts = hosts();
    ConfigurationStatus configurations =
        handover.status(ConfigurationHandover.generationsOf(children.current()));
    Scoreboard scoreboard = scoreboard();
    if (json) {
      // The scoreboard's object, with what each group runs in the launcher's object and the
      // per-host rows as one more member.
      return OperatorReply.ok(
          scoreboard.json(
              ",\"configurations\":" + configurations.json(),
              ",\"groups\":"
                  + scoreboard.groupsJson()
                  + ",\"spares\":"
                  + sparesJson()
                  + ",\"hosts\":"
                  + hosts.json()));
    }
    return OperatorReply.ok(
        scoreboard.text()
            + scoreboard.groupsText()
            + sparesText()
            + hosts.text()
            + configurations.text());
  }

  /**
   * Each child group with a process to run (a group of max 0 has none): how many of its children
   * are alive and READY.
   */
  List<Scoreboard.Group> groups() {
    List<Scoreboard.Group> rows = new ArrayList<>();
    for (ChildGroup group : children.config().childGroups()) {
      if (group.max() == 0) {
        continue;
      }
      List<ChildSlot> mine = children.slotsOf(group);
      RunAs runAs = RunAs.child(group, singleUser);
      rows.add(
          new Scoreboard.Group(
              runAs.user().name(),
              runAs.groupName(),
              group.min(),
              group.max(),
              mine.size(),
              (int) mine.stream().filter(c -> c.ready && c.pid != 0).count()));
    }
    return rows;
  }

  /** The scoreboard of {@code perchild status}, from the slots as this thread sees them. */
  Scoreboard scoreboard() {
    Instant now = Instant.now();
    long nanos = nanoTime.getAsLong();
    List<Scoreboard.Child> rows = new ArrayList<>();
    for (ChildSlot child : children.current()) {
      Scoreboard.State state =
          child.pid == 0
              ? Scoreboard.State.GONE
              : child.retiring
                  ? Scoreboard.State.RETIRING
                  : child.ready ? Scoreboard.State.READY : Scoreboard.State.STARTING;
      rows.add(row(child, state, child.pid == 0 ? LoadReport.NONE : child.load, now, nanos));
    }
    for (ChildSlot child : children.retired()) {
      rows.add(row(child, Scoreboard.State.RETIRING, LoadReport.NONE, now, nanos));
    }
    return new Scoreboard(
        now,
        ProcessHandle.current().pid(),
        serverStartedAt,
        acceptor.row(now, nanos),
        rows,
        children.config().threads().maxThreadsPerChild(),
        groups());
  }

  /** The per-host rows: the running slots' latest HOSTS. */
  HostTable hosts() {
    HostTable hosts = new HostTable();
    for (ChildSlot child : children.current()) {
      if (child.pid != 0) {
        hosts.add(child.hosts);
      }
    }
    return hosts;
  }

  private Scoreboard.Child row(
      ChildSlot child, Scoreboard.State state, LoadReport load, Instant now, long nanos) {
    RunAs runAs = RunAs.child(child.group, singleUser);
    return new Scoreboard.Child(
        child.slot,
        child.pid,
        runAs.user().name(),
        runAs.groupName(),
        child.generation,
        state,
        child.pid == 0 ? null : now.minusNanos(nanos - child.startedAt),
        Math.max(0, child.starts - 1),
        load);
  }
}
