package org.perchild.protocol;

import static org.perchild.protocol.MessageText.bytes;
import static org.perchild.protocol.MessageText.expectNoFd;
import static org.perchild.protocol.MessageText.expectWords;
import static org.perchild.protocol.MessageText.intNumber;
import static org.perchild.protocol.MessageText.number;
import static org.perchild.protocol.MessageText.text;
import static org.perchild.protocol.MessageText.words;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a child tells the launcher on its control channel: that it serves ({@code READY}), that it
 * reached {@code MaxRequestsPerChild} ({@code RETIRING}), every second its load ({@code LOAD}) and
 * its per-virtual-host counts ({@code HOSTS}, in parts), and, when asked with {@link
 * LauncherToChild.Dump}, its Jetty dump ({@code DUMP}, in parts). The child sends them; the
 * launcher's supervisor decodes them.
 */
public sealed interface ChildToLauncher extends ControlMessage {

  /** {@code READY <pid>}: Jetty has started, hand-offs may come. */
  record Ready(long pid) implements ChildToLauncher {
    @Override
    public byte[] encode() {
      return bytes("READY " + pid);
    }
  }

  /** {@code RETIRING}: served MaxRequestsPerChild connections; start my replacement. */
  record Retiring() implements ChildToLauncher {
    @Override
    public byte[] encode() {
      return bytes("RETIRING");
    }
  }

  /** {@code LOAD <seven numbers>}: this child's threads and connections ({@link LoadReport}). */
  record Load(LoadReport load) implements ChildToLauncher {
    @Override
    public byte[] encode() {
      return bytes(load.message());
    }
  }

  /**
   * {@code HOSTS <report> <part>/<parts> name:requests:bytes:... ...}: one part of report number
   * {@code report} of this child's per-host counts ({@link HostTable}'s entries). A child with many
   * virtual hosts needs several messages for one report ({@link #split}); the launcher uses a
   * report only once all of its parts arrived ({@link HostReports}), so a table is never half old,
   * half new.
   *
   * @param report the report's number, rising with each report of the child
   * @param part this part's number, 1 to {@code parts}
   * @param parts how many parts the report has
   * @param hosts this part's hosts, each with its 7 counts, in the order of the report
   */
  record Hosts(long report, int part, int parts, Map<String, long[]> hosts)
      implements ChildToLauncher {

    /** Room for {@code HOSTS <report> <part>/<parts>} at the head of every part. */
    static final int HEADER_ROOM = 64;

    public Hosts {
      if (report < 0 || parts < 1 || part < 1 || part > parts) {
        throw new IllegalArgumentException(
            "HOSTS report " + report + " part " + part + "/" + parts);
      }
      hosts = Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
    }

    @Override
    public byte[] encode() {
      StringBuilder out = new StringBuilder("HOSTS ");
      out.append(report).append(' ').append(part).append('/').append(parts);
      hosts.forEach((name, counts) -> out.append(' ').append(HostTable.entry(name, counts)));
      return bytes(out.toString());
    }

    /**
     * Reads a part back from its text and that text's words.
     *
     * @throws IllegalArgumentException if it is not one
     */
    static Hosts parse(String text, String[] words) {
      if (words.length < 3) {
        throw new IllegalArgumentException(
            "'" + MessageText.shown(text) + "': HOSTS needs a report and a part number");
      }
      String[] part = words[2].split("/", -1);
      if (part.length != 2) {
        throw new IllegalArgumentException(
            "'" + MessageText.shown(text) + "': '" + words[2] + "' is not part/parts");
      }
      return new Hosts(
          number(text, words[1]),
          intNumber(text, part[0]),
          intNumber(text, part[1]),
          HostTable.parseEntries(words, 3));
    }

    /**
     * Report number {@code report} of {@code hosts} as as many parts as it takes for each to stay
     * below {@link ControlMessage#MAX_BYTES}; one part, possibly with no host, at least.
     */
    public static List<Hosts> split(long report, Map<String, long[]> hosts) {
      List<Map<String, long[]>> chunks = new ArrayList<>();
      Map<String, long[]> chunk = new LinkedHashMap<>();
      int size = HEADER_ROOM;
      for (Map.Entry<String, long[]> host : hosts.entrySet()) {
        int length =
            1
                + HostTable.entry(host.getKey(), host.getValue())
                    .getBytes(StandardCharsets.UTF_8)
                    .length;
        if (HEADER_ROOM + length > MAX_BYTES) {
          throw new IllegalArgumentException("host name too long for a HOSTS message");
        }
        if (size + length > MAX_BYTES) {
          chunks.add(chunk);
          chunk = new LinkedHashMap<>();
          size = HEADER_ROOM;
        }
        chunk.put(host.getKey(), host.getValue());
        size += length;
      }
      chunks.add(chunk);
      List<Hosts> parts = new ArrayList<>();
      for (int i = 0; i < chunks.size(); i++) {
        parts.add(new Hosts(report, i + 1, chunks.size(), chunks.get(i)));
      }
      return parts;
    }
  }

  /**
   * {@code DUMP <request> <part>/<parts> <text>}: one part of the answer to {@link
   * LauncherToChild.Dump} number {@code request}, the child's Jetty {@code dump()}. A dump is often
   * hundreds of KiB, so it travels in as many parts as it takes ({@link #split}); the launcher
   * shows it only once every part arrived, in order ({@link DumpParts}). The text is everything
   * after the third blank, newlines and blanks included.
   *
   * @param request the number of the request it answers
   * @param part this part's number, 1 to {@code parts}
   * @param parts how many parts the dump has, at most {@link #MAX_PARTS}
   * @param text this part's piece of the dump
   */
  record DumpPart(long request, int part, int parts, String text) implements ChildToLauncher {

    /** Room for {@code DUMP <request> <part>/<parts> } at the head of every part. */
    static final int HEADER_ROOM = 64;

    /**
     * The most parts one dump may have (16 MiB of text): the launcher, which is root, holds a dump
     * whole in memory, so a child cannot make it hold more than this.
     */
    public static final int MAX_PARTS = 128;

    public DumpPart {
      if (request < 0 || parts < 1 || parts > MAX_PARTS || part < 1 || part > parts) {
        throw new IllegalArgumentException(
            "DUMP request " + request + " part " + part + "/" + parts);
      }
      Objects.requireNonNull(text, "text");
    }

    @Override
    public byte[] encode() {
      return bytes("DUMP " + request + " " + part + "/" + parts + " " + text);
    }

    /**
     * {@code text} as the parts of the answer to request {@code request}, each below {@link
     * ControlMessage#MAX_BYTES}; one part, possibly empty, at least. A dump longer than {@link
     * #MAX_PARTS} parts is cut, and its last part says so.
     */
    public static List<DumpPart> split(long request, String text) {
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      int room = MAX_BYTES - HEADER_ROOM;
      List<String> pieces = new ArrayList<>();
      int start = 0;
      while (start < utf8.length && pieces.size() < MAX_PARTS) {
        int end = Math.min(utf8.length, start + room);
        // Never between the bytes of one character: back up to the start of the one cut.
        while (end < utf8.length && end > start && (utf8[end] & 0xC0) == 0x80) {
          end--;
        }
        pieces.add(new String(utf8, start, end - start, StandardCharsets.UTF_8));
        start = end;
      }
      if (pieces.isEmpty()) {
        pieces.add("");
      } else if (start < utf8.length) {
        String last = pieces.get(pieces.size() - 1);
        String cut = "\n... dump cut: " + (utf8.length - start) + " more bytes\n";
        pieces.set(pieces.size() - 1, last.substring(0, last.length() - cut.length()) + cut);
      }
      List<DumpPart> parts = new ArrayList<>();
      for (int i = 0; i < pieces.size(); i++) {
        parts.add(new DumpPart(request, i + 1, pieces.size(), pieces.get(i)));
      }
      return parts;
    }
  }

  /** Reads one message; IllegalArgumentException if it is none of the above. */
  static ChildToLauncher decode(byte[] payload, int fd) {
    String text = text(payload);
    expectNoFd(text, fd);
    String[] words = words(text);
    switch (words[0]) {
      case "READY" -> {
        expectWords(text, words, 2);
        return new Ready(number(text, words[1]));
      }
      case "RETIRING" -> {
        expectWords(text, words, 1);
        return new Retiring();
      }
      case "LOAD" -> {
        return new Load(LoadReport.parse(words, 1));
      }
      case "HOSTS" -> {
        return Hosts.parse(text, words);
      }
      case "DUMP" -> {
        String[] fields = text.split(" ", 4);
        if (fields.length < 4) {
          throw new IllegalArgumentException(
              "'" + MessageText.shown(text) + "': DUMP needs a request, a part number and text");
        }
        String[] part = fields[2].split("/", -1);
        if (part.length != 2) {
          throw new IllegalArgumentException(
              "'" + MessageText.shown(text) + "': '" + fields[2] + "' is not part/parts");
        }
        return new DumpPart(
            number(text, fields[1]), intNumber(text, part[0]), intNumber(text, part[1]), fields[3]);
      }
      default -> throw MessageText.unknown(text);
    }
  }
}
