package org.perchild.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.perchild.config.AccessRule;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConfigProblem;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.CustomLog;
import org.perchild.config.Listener;
import org.perchild.config.ServerConfig;
import org.perchild.config.SslProvider;
import org.perchild.config.StatusLocation;
import org.perchild.config.ThreadSettings;
import org.perchild.config.TlsSettings;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostAddress;
import org.perchild.config.WebAppRealm;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * The configuration records as bytes: how the launcher, which alone reads and checks {@code
 * perchild.conf}, gives the acceptor and each child the configuration of a generation (in a memory
 * file, see {@link ProcessFds#ACCEPTOR_CONFIG} and {@link ProcessFds#CHILD_CONFIG}). Decoding
 * rebuilds the same records, equal to those encoded; it never touches the file system and never
 * checks the configuration again, so what a process runs is exactly what the launcher accepted.
 *
 * <p>Format, big-endian ({@link DataOutputStream}): the magic {@code PCFG}, the format version
 * ({@value #VERSION}), then the fields of {@link ServerConfig} in record order, each record's
 * fields in its own order. A string (or path) is an {@code int} byte count, -1 for null, then its
 * UTF-8 bytes; a list or map an {@code int} count then its elements; a duration {@code long}
 * seconds and {@code int} nanoseconds; an enum its name; an {@link AccessRule} a tag byte (0 all, 1
 * local, 2 ip) then its fields. Nothing may follow the last field. A reader refuses another version
 * rather than guess: launcher, acceptor and children come from one installation.
 */
public final class ConfigCodec {

  /**
   * The format version written and the only one read (2: each host's {@code WebAppRealm}s; 3: the
   * {@code SessionDirectory}; 4: each host's TLS, {@code Protocols} and PROXY protocol settings; 5:
   * {@code ChildWaitTimeout}; 6: each group's minimum and maximum, {@code ChildIdleTimeout}; 7:
   * {@code ChildSpares}; 8: each host's {@code SSLProvider}).
   */
  public static final int VERSION = 8;

  /** The most bytes a reader accepts: far above any real configuration. */
  public static final int MAX_BYTES = 64 * 1024 * 1024;

  private static final int MAGIC = 0x50434647; // "PCFG"
  private static final int MAX_COUNT = 1 << 20;

  private ConfigCodec() {}

  /** The bytes of {@code config}. */
  public static byte[] encode(ServerConfig config) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      new Writer(out).config(config);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The configuration {@link #encode} wrote.
   *
   * @throws IOException said what is wrong: another version, a truncated or malformed encoding
   */
  public static ServerConfig decode(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IOException("not an encoded configuration (magic " + Integer.toHexString(magic));
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(
            "encoded configuration version " + version + ", this process reads " + VERSION);
      }
      ServerConfig config = new Reader(in).config();
      if (in.available() > 0) {
        throw new IOException(in.available() + " bytes after the encoded configuration");
      }
      return config;
    } catch (EOFException e) {
      throw new IOException("encoded configuration truncated (" + bytes.length + " bytes)", e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException("malformed encoded configuration: " + e.getMessage(), e);
    }
  }

  private record Writer(DataOutputStream out) {

    void config(ServerConfig c) throws IOException {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      path(c.serverRoot());
      path(c.configFile());
      count(c.listeners().size());
      for (Listener l : c.listeners()) {
        string(l.host());
        out.writeInt(l.port());
        string(l.protocol());
        path(l.file());
        out.writeInt(l.line());
      }
      account(c.user());
      group(c.group());
      out.writeInt(c.numServers());
      out.writeInt(c.serverLimit());
      out.writeInt(c.maxRequestsPerChild());
      ThreadSettings t = c.threads();
      out.writeInt(t.startThreads());
      out.writeInt(t.minSpareThreads());
      out.writeInt(t.maxSpareThreads());
      out.writeInt(t.maxThreadsPerChild());
      out.writeInt(t.threadLimit());
      count(c.childGroups().size());
      for (ChildGroup g : c.childGroups()) {
        childGroup(g);
      }
      virtualHost(c.mainServer());
      count(c.virtualHosts().size());
      for (VirtualHost v : c.virtualHosts()) {
        virtualHost(v);
      }
      path(c.pidFile());
      path(c.sessionDirectory());
      count(c.logFormats().size());
      for (Map.Entry<String, String> format : c.logFormats().entrySet()) {
        string(format.getKey());
        string(format.getValue());
      }
      duration(c.gracefulShutdownTimeout());
      duration(c.childWaitTimeout());
      duration(c.childIdleTimeout());
      count(c.childSpares());
      count(c.warnings().size());
      for (ConfigProblem p : c.warnings()) {
        path(p.file());
        out.writeInt(p.line());
        string(p.severity().name());
        string(p.message());
      }
    }

    void childGroup(ChildGroup g) throws IOException {
      account(g.user());
      group(g.group());
      out.writeInt(g.min());
      out.writeInt(g.max());
      strings(g.javaOptions());
      out.writeBoolean(g.serverDefault());
      path(g.file());
      out.writeInt(g.line());
    }

    void virtualHost(VirtualHost v) throws IOException {
      string(v.serverName());
      strings(v.aliases());
      count(v.addresses().size());
      for (VirtualHostAddress a : v.addresses()) {
        string(a.host());
        out.writeInt(a.port());
      }
      childGroup(v.group());
      path(v.appBase());
      path(v.documentRoot());
      path(v.errorLog());
      string(v.logLevel());
      count(v.customLogs().size());
      for (CustomLog log : v.customLogs()) {
        path(log.path());
        string(log.format());
        path(log.file());
        out.writeInt(log.line());
      }
      ConnectionSettings s = v.connection();
      duration(s.timeout());
      out.writeBoolean(s.keepAlive());
      duration(s.keepAliveTimeout());
      out.writeInt(s.maxKeepAliveRequests());
      out.writeInt(s.limitRequestLine());
      out.writeInt(s.limitRequestFieldSize());
      out.writeInt(s.limitRequestFields());
      out.writeLong(s.limitRequestBody());
      path(v.file());
      out.writeInt(v.line());
      count(v.locations().size());
      for (StatusLocation location : v.locations()) {
        string(location.path());
        string(location.handler().name());
        count(location.require().size());
        for (AccessRule rule : location.require()) {
          accessRule(rule);
        }
        path(location.file());
        out.writeInt(location.line());
      }
      count(v.realms().size());
      for (WebAppRealm realm : v.realms()) {
        string(realm.name());
        path(realm.file());
      }
      TlsSettings tls = v.tls();
      out.writeBoolean(tls != null);
      if (tls != null) {
        path(tls.certificateFile());
        path(tls.keyFile());
        strings(tls.protocols());
        string(tls.cipherSuite());
        out.writeByte(tls.provider().ordinal());
      }
      strings(v.protocols());
      out.writeByte(v.proxyProtocol() == null ? -1 : v.proxyProtocol() ? 1 : 0);
      strings(v.proxyProtocolExceptions());
    }

    void accessRule(AccessRule rule) throws IOException {
      if (rule instanceof AccessRule.All all) {
        out.writeByte(0);
        out.writeBoolean(all.granted());
      } else if (rule instanceof AccessRule.Local) {
        out.writeByte(1);
      } else if (rule instanceof AccessRule.Ip ip) {
        out.writeByte(2);
        count(ip.ranges().size());
        for (AccessRule.IpRange range : ip.ranges()) {
          count(range.address().length);
          out.write(range.address());
          out.writeInt(range.prefix());
        }
      } else {
        throw new IllegalArgumentException("no encoding for the Require rule " + rule);
      }
    }

    void account(Account a) throws IOException {
      string(a.name());
      out.writeInt(a.uid());
      out.writeInt(a.primaryGid());
      string(a.home());
    }

    void group(GroupAccount g) throws IOException {
      string(g.name());
      out.writeInt(g.gid());
    }

    void duration(Duration d) throws IOException {
      out.writeLong(d.getSeconds());
      out.writeInt(d.getNano());
    }

    void strings(List<String> list) throws IOException {
      count(list.size());
      for (String s : list) {
        string(s);
      }
    }

    void path(Path path) throws IOException {
      string(path == null ? null : path.toString());
    }

    void string(String s) throws IOException {
      if (s == null) {
        out.writeInt(-1);
        return;
      }
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    void count(int n) throws IOException {
      out.writeInt(n);
    }
  }

  private record Reader(DataInputStream in) {

    ServerConfig config() throws IOException {
      Path serverRoot = path();
      Path configFile = path();
      int listenerCount = count();
      List<Listener> listeners = new ArrayList<>();
      for (int i = 0; i < listenerCount; i++) {
        listeners.add(new Listener(string(), in.readInt(), string(), path(), in.readInt()));
      }
      Account user = account();
      GroupAccount group = group();
      int numServers = in.readInt();
      int serverLimit = in.readInt();
      int maxRequestsPerChild = in.readInt();
      ThreadSettings threads =
          new ThreadSettings(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt());
      int groupCount = count();
      List<ChildGroup> childGroups = new ArrayList<>();
      for (int i = 0; i < groupCount; i++) {
        childGroups.add(childGroup());
      }
      VirtualHost mainServer = virtualHost();
      int hostCount = count();
      List<VirtualHost> virtualHosts = new ArrayList<>();
      for (int i = 0; i < hostCount; i++) {
        virtualHosts.add(virtualHost());
      }
      Path pidFile = path();
      Path sessionDirectory = path();
      int formatCount = count();
      Map<String, String> logFormats = new LinkedHashMap<>();
      for (int i = 0; i < formatCount; i++) {
        logFormats.put(string(), string());
      }
      Duration graceful = duration();
      Duration childWait = duration();
      Duration childIdle = duration();
      int childSpares = count();
      int warningCount = count();
      List<ConfigProblem> warnings = new ArrayList<>();
      for (int i = 0; i < warningCount; i++) {
        warnings.add(
            new ConfigProblem(
                path(), in.readInt(), ConfigProblem.Severity.valueOf(string()), string()));
      }
      return new ServerConfig(
          serverRoot,
          configFile,
          listeners,
          user,
          group,
          numServers,
          serverLimit,
          maxRequestsPerChild,
          threads,
          childGroups,
          mainServer,
          virtualHosts,
          pidFile,
          sessionDirectory,
          logFormats,
          graceful,
          childWait,
          childIdle,
          childSpares,
          warnings);
    }

    ChildGroup childGroup() throws IOException {
      return new ChildGroup(
          account(),
          group(),
          in.readInt(),
          in.readInt(),
          strings(),
          in.readBoolean(),
          path(),
          in.readInt());
    }

    VirtualHost virtualHost() throws IOException {
      String serverName = string();
      List<String> aliases = strings();
      int addressCount = count();
      List<VirtualHostAddress> addresses = new ArrayList<>();
      for (int i = 0; i < addressCount; i++) {
        addresses.add(new VirtualHostAddress(string(), in.readInt()));
      }
      ChildGroup group = childGroup();
      Path appBase = path();
      Path documentRoot = path();
      Path errorLog = path();
      String logLevel = string();
      int logCount = count();
      List<CustomLog> customLogs = new ArrayList<>();
      for (int i = 0; i < logCount; i++) {
        customLogs.add(new CustomLog(path(), string(), path(), in.readInt()));
      }
      ConnectionSettings connection =
          new ConnectionSettings(
              duration(),
              in.readBoolean(),
              duration(),
              in.readInt(),
              in.readInt(),
              in.readInt(),
              in.readInt(),
              in.readLong());
      Path file = path();
      int line = in.readInt();
      int locationCount = count();
      List<StatusLocation> locations = new ArrayList<>();
      for (int i = 0; i < locationCount; i++) {
        String locationPath = string();
        StatusLocation.Handler handler = StatusLocation.Handler.valueOf(string());
        int ruleCount = count();
        List<AccessRule> require = new ArrayList<>();
        for (int r = 0; r < ruleCount; r++) {
          require.add(accessRule());
        }
        locations.add(new StatusLocation(locationPath, handler, require, path(), in.readInt()));
      }
      int realmCount = count();
      List<WebAppRealm> realms = new ArrayList<>();
      for (int i = 0; i < realmCount; i++) {
        realms.add(new WebAppRealm(string(), path()));
      }
      TlsSettings tls = null;
      if (in.readBoolean()) {
        tls = new TlsSettings(path(), path(), strings(), string(), provider());
      }
      List<String> protocols = strings();
      int proxy = in.readByte();
      if (proxy < -1 || proxy > 1) {
        throw new IOException("RemoteIPProxyProtocol encoded as " + proxy);
      }
      Boolean proxyProtocol = proxy < 0 ? null : proxy == 1;
      List<String> proxyProtocolExceptions = strings();
      return new VirtualHost(
          serverName,
          aliases,
          addresses,
          group,
          appBase,
          documentRoot,
          errorLog,
          logLevel,
          customLogs,
          connection,
          file,
          line,
          locations,
          realms,
          tls,
          protocols,
          proxyProtocol,
          proxyProtocolExceptions);
    }

    AccessRule accessRule() throws IOException {
      int tag = in.readByte();
      return switch (tag) {
        case 0 -> new AccessRule.All(in.readBoolean());
        case 1 -> new AccessRule.Local();
        case 2 -> {
          int rangeCount = count();
          List<AccessRule.IpRange> ranges = new ArrayList<>();
          for (int i = 0; i < rangeCount; i++) {
            byte[] address = new byte[count()];
            in.readFully(address);
            ranges.add(new AccessRule.IpRange(address, in.readInt()));
          }
          yield new AccessRule.Ip(ranges);
        }
        default -> throw new IOException("unknown Require rule tag " + tag);
      };
    }

    Account account() throws IOException {
      return new Account(string(), in.readInt(), in.readInt(), string());
    }

    GroupAccount group() throws IOException {
      return new GroupAccount(string(), in.readInt());
    }

    Duration duration() throws IOException {
      return Duration.ofSeconds(in.readLong(), in.readInt());
    }

    List<String> strings() throws IOException {
      int n = count();
      List<String> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(string());
      }
      return list;
    }

    Path path() throws IOException {
      String s = string();
      return s == null ? null : Path.of(s);
    }

    String string() throws IOException {
      int length = in.readInt();
      if (length == -1) {
        return null;
      }
      if (length < 0 || length > in.available()) {
        throw new IOException("string of " + length + " bytes where " + in.available() + " left");
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }

    SslProvider provider() throws IOException {
      int ordinal = in.readByte();
      if (ordinal < 0 || ordinal >= SslProvider.values().length) {
        throw new IOException("SSLProvider " + ordinal + " out of range");
      }
      return SslProvider.values()[ordinal];
    }

    int count() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > MAX_COUNT) {
        throw new IOException("count " + n + " out of range");
      }
      return n;
    }
  }
}
