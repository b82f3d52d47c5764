package org.perchild.control;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A snapshot of the launcher's processes, as {@code perchild status} shows it: the launcher, the
 * acceptor and every child slot. The supervisor makes one on its own thread (only it touches the
 * slots) and this renders it as text or JSON.
 *
 * @param now when the snapshot was taken
 * @param launcherPid the launcher's pid
 * @param serverStartedAt when the launcher started serving
 * @param acceptor the acceptor
 * @param children the child slots, in slot order
 */
public record Scoreboard(
    Instant now,
    long launcherPid,
    Instant serverStartedAt,
    Acceptor acceptor,
    List<Child> children) {

  /** What a process is doing, as httpd's scoreboard says it. */
  public enum State {
    /** Started, has not said READY yet. */
    STARTING,
    /** Serving (a child) or accepting (the acceptor). */
    READY,
    /** Exited; not running until it is started again. */
    GONE
  }

  /**
   * The acceptor.
   *
   * @param pid its pid, 0 when gone
   * @param state its state
   * @param startedAt when its current process started ({@code null} when gone)
   * @param restarts how many times it was started again after the first
   */
  public record Acceptor(long pid, State state, Instant startedAt, int restarts) {}

  /**
   * One child slot.
   *
   * @param slot its number, for the server's life
   * @param pid its process's pid, 0 when gone
   * @param user the user it runs as
   * @param group the group it runs as
   * @param generation its generation
   * @param state its state
   * @param startedAt when its current process started ({@code null} when gone)
   * @param restarts how many times the slot's process was started again after the first
   */
  public record Child(
      int slot,
      long pid,
      String user,
      String group,
      int generation,
      State state,
      Instant startedAt,
      int restarts) {}

  public Scoreboard {
    children = List.copyOf(children);
  }

  /** The scoreboard for an operator's terminal. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Server started: ")
        .append(serverStartedAt.truncatedTo(ChronoUnit.SECONDS))
        .append(", uptime ")
        .append(uptime(serverStartedAt))
        .append('\n');
    out.append("Launcher: pid ").append(launcherPid).append('\n');
    out.append("Acceptor: ")
        .append(acceptor.state() == State.GONE ? "-" : "pid " + acceptor.pid())
        .append(", ")
        .append(acceptor.state())
        .append(", uptime ")
        .append(uptime(acceptor.startedAt()))
        .append(", restarts ")
        .append(acceptor.restarts())
        .append('\n');
    long ready = children.stream().filter(c -> c.state() == State.READY).count();
    out.append("Children: ")
        .append(ready)
        .append(" of ")
        .append(children.size())
        .append(" ready\n");
    out.append(
        String.format(
            "%-5s %-8s %-24s %-4s %-9s %-20s %-10s %s%n",
            "Slot", "PID", "User/Group", "Gen", "State", "Started", "Uptime", "Restarts"));
    for (Child c : children) {
      out.append(
          String.format(
              "%-5d %-8s %-24s %-4d %-9s %-20s %-10s %d%n",
              c.slot(),
              c.state() == State.GONE ? "-" : Long.toString(c.pid()),
              c.user() + "/" + c.group(),
              c.generation(),
              c.state(),
              c.startedAt() == null ? "-" : c.startedAt().truncatedTo(ChronoUnit.SECONDS),
              uptime(c.startedAt()),
              c.restarts()));
    }
    return out.toString();
  }

  /** The scoreboard as one JSON object, for monitoring scripts. */
  public String json() {
    StringBuilder out = new StringBuilder("{");
    out.append("\"launcher\":{\"pid\":").append(launcherPid);
    out.append(",\"startedAt\":").append(string(serverStartedAt));
    out.append(",\"uptimeSeconds\":").append(seconds(serverStartedAt)).append("},");
    out.append("\"acceptor\":{\"pid\":").append(acceptor.pid());
    out.append(",\"state\":").append(string(acceptor.state().name()));
    out.append(",\"startedAt\":").append(string(acceptor.startedAt()));
    out.append(",\"uptimeSeconds\":").append(seconds(acceptor.startedAt()));
    out.append(",\"restarts\":").append(acceptor.restarts()).append("},");
    out.append("\"children\":[");
    for (int i = 0; i < children.size(); i++) {
      Child c = children.get(i);
      out.append(i == 0 ? "" : ",");
      out.append("{\"slot\":").append(c.slot());
      out.append(",\"pid\":").append(c.pid());
      out.append(",\"user\":").append(string(c.user()));
      out.append(",\"group\":").append(string(c.group()));
      out.append(",\"generation\":").append(c.generation());
      out.append(",\"state\":").append(string(c.state().name()));
      out.append(",\"startedAt\":").append(string(c.startedAt()));
      out.append(",\"uptimeSeconds\":").append(seconds(c.startedAt()));
      out.append(",\"restarts\":").append(c.restarts()).append('}');
    }
    return out.append("]}\n").toString();
  }

  private String uptime(Instant since) {
    if (since == null) {
      return "-";
    }
    Duration d = Duration.between(since, now);
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
  }

  private String seconds(Instant since) {
    return since == null
        ? "null"
        : Long.toString(Math.max(0, Duration.between(since, now).getSeconds()));
  }

  private static String string(Instant instant) {
    return instant == null ? "null" : string(instant.toString());
  }

  /** A JSON string; user and group names are the only free text, but escape all the same. */
  static String string(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : text.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
