package org.perchild.protocol;

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
    List<Child> children,
    int maxThreadsPerChild,
    List<Group> groups) {

  /** A scoreboard without group rows. */
  public Scoreboard(
      Instant now,
      long launcherPid,
      Instant serverStartedAt,
      Acceptor acceptor,
      List<Child> children,
      int maxThreadsPerChild) {
    this(now, launcherPid, serverStartedAt, acceptor, children, maxThreadsPerChild, List.of());
  }

  /** A scoreboard without thread ceilings (tests, and what came before load reports). */
  public Scoreboard(
      Instant now,
      long launcherPid,
      Instant serverStartedAt,
      Acceptor acceptor,
      List<Child> children) {
    this(now, launcherPid, serverStartedAt, acceptor, children, 0);
  }

  /**
   * The acceptor's latest {@code COUNTERS accepted handedOff <status>=<n> ...} report.
   *
   * @param answered connections the acceptor answered itself, by status, ascending
   */
  public record Counters(
      long accepted, long handedOff, java.util.SortedMap<Integer, Long> answered) {
    /** No report yet. */
    public static final Counters NONE = new Counters(0, 0, new java.util.TreeMap<>());

    public Counters {
      answered = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(answered));
    }

    /** Parses the words after {@code COUNTERS}; IllegalArgumentException if malformed. */
    public static Counters parse(String[] words, int from) {
      if (words.length - from < 2) {
        throw new IllegalArgumentException("COUNTERS takes accepted and handed off at least");
      }
      java.util.TreeMap<Integer, Long> answered = new java.util.TreeMap<>();
      for (int i = from + 2; i < words.length; i++) {
        String[] pair = words[i].split("=", 2);
        if (pair.length != 2) {
          throw new IllegalArgumentException("'" + words[i] + "' is not status=count");
        }
        answered.put(Integer.parseInt(pair[0]), Long.parseLong(pair[1]));
      }
      return new Counters(Long.parseLong(words[from]), Long.parseLong(words[from + 1]), answered);
    }

    /** The message: {@code COUNTERS accepted handedOff 503=2 ...}. */
    public String message() {
      StringBuilder out =
          new StringBuilder("COUNTERS ").append(accepted).append(' ').append(handedOff);
      answered.forEach((status, count) -> out.append(' ').append(status).append('=').append(count));
      return out.toString();
    }
  }

  /** What a process is doing, as httpd's scoreboard says it. */
  public enum State {
    /** Started, has not said READY yet. */
    STARTING,
    /** Serving (a child) or accepting (the acceptor). */
    READY,
    /**
     * A child that has served MaxRequestsPerChild connections, or one of an old generation: it
     * finishes what it has (it still serves until its replacement is READY) and exits.
     */
    RETIRING,
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
  public record Acceptor(
      long pid, State state, Instant startedAt, int restarts, Counters counters) {
    public Acceptor(long pid, State state, Instant startedAt, int restarts) {
      this(pid, state, startedAt, restarts, Counters.NONE);
    }
  }

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
      int restarts,
      LoadReport load) {
    public Child(
        int slot,
        long pid,
        String user,
        String group,
        int generation,
        State state,
        Instant startedAt,
        int restarts) {
      this(slot, pid, user, group, generation, state, startedAt, restarts, LoadReport.NONE);
    }
  }

  /**
   * One child group ({@code ChildPerUserID}, or the server's own {@code User}/{@code Group}) and
   * how many of its children run.
   *
   * @param user the user its children run as
   * @param group the group they run as
   * @param min the fewest children it keeps ({@code max} for a fixed group)
   * @param max the most it may have
   * @param children its child processes alive now, starting ones included
   * @param ready those of them that said READY
   */
  public record Group(String user, String group, int min, int max, int children, int ready) {

    /** {@code min-max}, or {@code n} for a fixed group. */
    public String range() {
      return min == max ? Integer.toString(max) : min + "-" + max;
    }

    /**
     * {@code cold} (no process: an on-demand group before its first connection or after its last
     * child stopped), {@code starting} (processes, none READY yet) or {@code n_of_max} READY.
     */
    public String state() {
      if (children == 0) {
        return "cold";
      }
      if (ready == 0) {
        return "starting";
      }
      return ready + "_of_" + max;
    }
  }

  public Scoreboard {
    children = List.copyOf(children);
    groups = List.copyOf(groups);
  }

  /** The groups' rows for an operator's terminal: {@code Groups:}, then one line per group. */
  public String groupsText() {
    StringBuilder out = new StringBuilder("Groups:\n");
    for (Group g : groups) {
      out.append(
          String.format(
              "%-24s %-9s %s%n",
              g.user() + "/" + g.group(), g.range(), g.state().replace('_', ' ')));
    }
    return out.toString();
  }

  /** The groups' rows as a JSON array. */
  public String groupsJson() {
    StringBuilder out = new StringBuilder("[");
    for (Group g : groups) {
      out.append(out.length() == 1 ? "" : ",");
      out.append("{\"group\":").append(string(g.user() + "/" + g.group()));
      out.append(",\"min\":").append(g.min());
      out.append(",\"max\":").append(g.max());
      out.append(",\"children\":").append(g.children());
      out.append(",\"ready\":").append(g.ready());
      out.append(",\"state\":\"").append(g.state()).append("\"}");
    }
    return out.append(']').toString();
  }

  /**
   * The scoreboard for an operator's terminal. {@code bin/start.sh} waits for its {@code Launcher:
   * pid N}, {@code Acceptor: pid N, READY,} and {@code Children: N of N ready} lines before it
   * prints the URLs it serves: keep their shape.
   */
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
        .append(", accepted ")
        .append(acceptor.counters().accepted())
        .append(", handed off ")
        .append(acceptor.counters().handedOff())
        .append(", answered ")
        .append(acceptor.counters().answered())
        .append('\n');
    long ready = children.stream().filter(c -> c.state() == State.READY).count();
    out.append("Children: ")
        .append(ready)
        .append(" of ")
        .append(children.size())
        .append(" ready\n");
    out.append(
        String.format(
            "%-5s %-8s %-24s %-4s %-9s %-20s %-10s %-8s %-5s %-5s %-7s %-6s %-5s %s%n",
            "Slot",
            "PID",
            "User/Group",
            "Gen",
            "State",
            "Started",
            "Uptime",
            "Restarts",
            "Busy",
            "Idle",
            "Threads",
            "Queued",
            "Conns",
            "Requests"));
    for (Child c : children) {
      out.append(
          String.format(
              "%-5d %-8s %-24s %-4d %-9s %-20s %-10s %-8d %-5d %-5d %-7d %-6d %-5d %d%n",
              c.slot(),
              c.state() == State.GONE ? "-" : Long.toString(c.pid()),
              c.user() + "/" + c.group(),
              c.generation(),
              c.state(),
              c.startedAt() == null ? "-" : c.startedAt().truncatedTo(ChronoUnit.SECONDS),
              uptime(c.startedAt()),
              c.restarts(),
              c.load().busy(),
              c.load().idle(),
              c.load().total(),
              c.load().queued(),
              c.load().connections(),
              c.load().requests()));
    }
    return out.toString();
  }

  /** The scoreboard as one JSON object, for monitoring scripts. */
  public String json() {
    return json("", "");
  }

  /**
   * The scoreboard as one JSON object with more members: {@code launcherMembers} at the end of the
   * launcher's object and {@code topMembers} at the end of the whole, each empty or starting with a
   * comma ({@code ,"name":value}).
   */
  public String json(String launcherMembers, String topMembers) {
    StringBuilder out = new StringBuilder("{");
    out.append("\"launcher\":{\"pid\":").append(launcherPid);
    out.append(",\"startedAt\":").append(string(serverStartedAt));
    out.append(",\"uptimeSeconds\":").append(seconds(serverStartedAt));
    out.append(launcherMembers).append("},");
    out.append("\"acceptor\":{\"pid\":").append(acceptor.pid());
    out.append(",\"state\":").append(string(acceptor.state().name()));
    out.append(",\"startedAt\":").append(string(acceptor.startedAt()));
    out.append(",\"uptimeSeconds\":").append(seconds(acceptor.startedAt()));
    out.append(",\"restarts\":").append(acceptor.restarts());
    out.append(",\"accepted\":").append(acceptor.counters().accepted());
    out.append(",\"handedOff\":").append(acceptor.counters().handedOff());
    out.append(",\"answered\":{");
    String comma = "";
    for (var e : acceptor.counters().answered().entrySet()) {
      out.append(comma).append('"').append(e.getKey()).append("\":").append(e.getValue());
      comma = ",";
    }
    out.append("}},");
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
      out.append(",\"restarts\":").append(c.restarts());
      out.append(",\"busyThreads\":").append(c.load().busy());
      out.append(",\"idleThreads\":").append(c.load().idle());
      out.append(",\"totalThreads\":").append(c.load().total());
      out.append(",\"queued\":").append(c.load().queued());
      out.append(",\"connections\":").append(c.load().connections());
      out.append(",\"requests\":").append(c.load().requests());
      out.append(",\"bytes\":").append(c.load().bytes()).append('}');
    }
    return out.append(']').append(topMembers).append("}\n").toString();
  }

  /**
   * The compact form the launcher pushes to the acceptor every second ({@code SCOREBOARD}, one line
   * per child below, then one {@code GROUP user group min max children ready} line per group), for
   * {@code /server-status} and {@code /metrics}; {@link #parse} reads it back. User and group names
   * never hold blanks.
   */
  public String message() {
    StringBuilder out = new StringBuilder("SCOREBOARD ");
    out.append(now.toEpochMilli()).append(' ').append(launcherPid).append(' ');
    out.append(serverStartedAt.toEpochMilli()).append(' ').append(maxThreadsPerChild);
    for (Child c : children) {
      out.append('\n').append(c.slot()).append(' ').append(c.pid()).append(' ');
      out.append(c.user()).append(' ').append(c.group()).append(' ').append(c.generation());
      out.append(' ').append(c.state()).append(' ');
      out.append(c.startedAt() == null ? "-" : Long.toString(c.startedAt().toEpochMilli()));
      out.append(' ').append(c.restarts()).append(' ').append(c.load().words());
    }
    for (Group g : groups) {
      out.append("\nGROUP ").append(g.user()).append(' ').append(g.group()).append(' ');
      out.append(g.min()).append(' ').append(g.max()).append(' ').append(g.children());
      out.append(' ').append(g.ready());
    }
    return out.toString();
  }

  /**
   * Reads {@link #message()} back; the acceptor part is left empty (the acceptor has its own).
   *
   * @throws IllegalArgumentException if it is not such a message
   */
  public static Scoreboard parse(String message) {
    try {
      String[] lines = message.split("\n");
      String[] head = lines[0].split(" ");
      if (!head[0].equals("SCOREBOARD") || head.length != 5) {
        throw new IllegalArgumentException("not a SCOREBOARD message");
      }
      List<Child> children = new java.util.ArrayList<>();
      List<Group> groups = new java.util.ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        String[] w = lines[i].split(" ");
        if (w[0].equals("GROUP")) {
          if (w.length != 7) {
            throw new IllegalArgumentException("group line with " + w.length + " words");
          }
          groups.add(
              new Group(
                  w[1],
                  w[2],
                  Integer.parseInt(w[3]),
                  Integer.parseInt(w[4]),
                  Integer.parseInt(w[5]),
                  Integer.parseInt(w[6])));
          continue;
        }
        if (w.length != 15) {
          throw new IllegalArgumentException("child line with " + w.length + " words");
        }
        children.add(
            new Child(
                Integer.parseInt(w[0]),
                Long.parseLong(w[1]),
                w[2],
                w[3],
                Integer.parseInt(w[4]),
                State.valueOf(w[5]),
                w[6].equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(w[6])),
                Integer.parseInt(w[7]),
                LoadReport.parse(w, 8)));
      }
      return new Scoreboard(
          Instant.ofEpochMilli(Long.parseLong(head[1])),
          Long.parseLong(head[2]),
          Instant.ofEpochMilli(Long.parseLong(head[3])),
          new Acceptor(0, State.READY, null, 0),
          children,
          Integer.parseInt(head[4]),
          groups);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("malformed SCOREBOARD message: " + e.getMessage(), e);
    }
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
