package org.perchild.container.sessions;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Context;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.SessionContext;
import org.eclipse.jetty.session.SessionData;
import org.perchild.container.sessions.SessionFile.Decoded;
import org.perchild.container.sessions.SessionFile.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's session data store for one context, over the tenant's session directory, which every
 * child of the tenant shares: each session is one file ({@link SessionFile}), and every lookup
 * reads the disk, so a session another child wrote a moment ago is found (Jetty's own {@code
 * FileSessionDataStore} knows only the files it saw at start). {@link SessionFileStoreFactory}
 * makes one for each context's session handler.
 *
 * <ul>
 *   <li>A write goes, under the session's {@link SessionLocks lock}, into the session's spare file
 *       in the same directory, which then takes the place of the session's file in one step ({@link
 *       Exchange}: the two names swapped, and the old file is the next write's spare; else a rename
 *       over it, {@code ATOMIC_MOVE}): a reader in another process sees the old file or the new
 *       one, never none, and a child that crashes mid-write leaves the old one. A write makes no
 *       new file and removes none (each would change the directory, and ext4 without a journal
 *       searches its inode table for every new file: {@link OwnFiles#writeSpare}).
 *   <li>Readers take no lock. A file can be written again once it has become a spare, so a reader
 *       that opened it before and reads it late may see a mix of two writes: the file's length and
 *       checksum tell, and it is read again under the lock ({@link SessionFile}). (Such a reader
 *       may also see, whole, the write that is about to take the file's place again.)
 *   <li>A write looks first, under the lock, at the current file: it never brings back a session
 *       whose file is gone (invalidated or expired in another child), and a write that changes only
 *       the access time and expiry is dropped when another request has written since. Two requests
 *       that both change attributes: the later write wins, as in any Jetty store.
 *   <li>A file that cannot be read (corrupt, another format, a class the web application no longer
 *       has, not a regular file of the directory's owner) is logged once at WARN, removed, and is
 *       no session: the request goes on without it, never a 500.
 *   <li>Expired sessions are found by listing the directory and reading each file's header. A
 *       request that changed nothing but the access time is written only when the file is older
 *       than Jetty's save period ({@code savePeriodSec}): the expiry in a file may lag that much,
 *       so the store takes a session for expired that much after the expiry its file names.
 * </ul>
 *
 * <p>The file of a session is named by the context's path, the virtual host ({@link
 * SharedSessions#VIRTUAL_HOST} of the context, else Jetty's first virtual host of it) and the id.
 */
public final class SessionFileStore extends AbstractSessionDataStore {

  private static final Logger LOG = LoggerFactory.getLogger(SessionFileStore.class);

  private final Path directory;
  private String host;
  private String prefix;
  private OwnFiles files;
  private SessionLocks locks;
  private SeenFiles seen = new SeenFiles(false);

  private final LongAdder reads = new LongAdder();
  private final LongAdder readsSaved = new LongAdder();
  private final LongAdder headerReads = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LongAdder writesDropped = new LongAdder();
  private final LongAdder writesMerged = new LongAdder();
  private final MergedWrites<Encoded> merged = new MergedWrites<>();
  private final LongAdder discarded = new LongAdder();

  /** Files of a newer format already logged (see {@link #readLocked}). */
  private final Set<String> newerFormats = ConcurrentHashMap.newKeySet();

  /**
   * A store over {@code directory}, which must exist when it starts: the launcher makes it (mode
   * 0700, the tenant's), never the store.
   */
  public SessionFileStore(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  @Override
  public void initialize(SessionContext context) throws Exception {
    super.initialize(context);
    Context jettyContext = context.getContext();
    Object named =
        jettyContext == null ? null : jettyContext.getAttribute(SharedSessions.VIRTUAL_HOST);
    host = named != null ? named.toString() : context.getVhost();
    if (named == null) {
      // Every context the deployer makes names its host: one that does not shares its files with
      // any other context at the same path.
      LOG.warn(
          "context {} names no virtual host ({}): its sessions are kept under Jetty's {}",
          context.getCanonicalContextPath(),
          SharedSessions.VIRTUAL_HOST,
          host);
    }
    prefix = SessionFile.prefix(context.getCanonicalContextPath(), host);
  }

  @Override
  protected void doStart() throws Exception {
    files = OwnFiles.of(directory);
    locks = SessionLocks.of(directory.toRealPath());
    seen = new SeenFiles(SeenFiles.timesTellEveryChange(directory));
    if (!seen.enabled()) {
      LOG.info(
          "session directory {}: file times too coarse to tell every write; each load reads its"
              + " file",
          directory);
    }
    super.doStart();
  }

  /** Attributes are serialized, so Jetty tells them of passivation and activation. */
  @Override
  public boolean isPassivating() {
    return true;
  }

  @Override
  public SessionData newSessionData(
      String id, long created, long accessed, long lastAccessed, long maxInactiveMs) {
    return new StoredSessionData(
        id,
        _context.getCanonicalContextPath(),
        _context.getVhost(),
        created,
        accessed,
        lastAccessed,
        maxInactiveMs);
  }

  @Override
  public boolean doExists(String id) {
    Path file = fileOf(id);
    Header header = file == null ? null : header(file);
    return header != null && !header.expiredAt(System.currentTimeMillis() - lagMs());
  }

  /**
   * Reads the session's file, unless it is still the file this JVM last read or wrote ({@link
   * SeenFiles}): then one {@code lstat} is all.
   */
  @Override
  public SessionData doLoad(String id) {
    Path file = fileOf(id);
    if (file == null) {
      return null;
    }
    String name = file.getFileName().toString();
    SeenFiles.Identity now = seen.enabled() ? identityOf(file) : null;
    SeenFiles.Seen known = now == null ? null : seen.get(name, now);
    Decoded decoded;
    if (known != null) {
      decoded = known.decoded();
      readsSaved.increment();
    } else {
      decoded = read(file);
      if (decoded == null) {
        seen.forget(name);
        return null;
      }
      reads.increment();
    }
    Header header = decoded.header();
    try {
      if (!header.id().equals(id)
          || !header.context().equals(_context.getCanonicalContextPath())
          || !header.host().equals(host)) {
        throw new IOException(
            "it holds session " + header.id() + " of " + header.host() + header.context());
      }
      StoredSessionData data =
          (StoredSessionData)
              newSessionData(
                  id,
                  header.created(),
                  header.accessed(),
                  header.lastAccessed(),
                  header.maxInactiveMs());
      data.setLastNode(header.lastNode());
      data.setCookieSet(header.cookieSet());
      data.setExpiry(header.expiry());
      data.setLastSaved(header.savedAt());
      data.version = header.version();
      data.lagMs = lagMs();
      if (known != null && known.attributes() != null) {
        data.putAllAttributes(known.attributes());
      } else {
        SessionFile.readAttributes(decoded.attributes(), data);
      }
      if (known == null && now != null && decoded.checked()) {
        // Known by what lstat said before it was read: if it changed since, the next load reads it
        // again, never an older file under a newer identity.
        seen.put(name, now, decoded, SeenFiles.shareable(data.getAllAttributes()));
      }
      return data;
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      seen.forget(name);
      discard(file, header.version(), e);
      return null;
    }
  }

  @Override
  public void doStore(String id, SessionData data, long lastSaveTime) throws Exception {
    String name = SessionFile.name(prefix, id);
    if (name == null) {
      throw new IOException("session id of " + id.length() + " characters: too long to store");
    }
    Path file = directory.resolve(name);
    // Known: this session was read from, or written to, the file whose version this is. Zero for a
    // session never saved (new, or given a new id), which is written whatever is there.
    long known = lastSaveTime > 0 && data instanceof StoredSessionData s ? s.version : 0;
    long version = newVersion();
    byte[] bytes =
        SessionFile.encode(
            new Header(
                version,
                data.getLastSaved(),
                id,
                _context.getCanonicalContextPath(),
                host,
                data.getLastNode(),
                data.getCreated(),
                data.getAccessed(),
                data.getLastAccessed(),
                data.getCookieSet(),
                data.getExpiry(),
                data.getMaxInactiveMs()),
            data);
    // What a load in this JVM may share of what this write holds, taken as it is written.
    Map<String, Object> shareable =
        seen.enabled() ? SeenFiles.shareable(data.getAllAttributes()) : null;
    if (known != 0 && data.isDirty()) {
      storeChange(name, file, data, new Encoded(bytes, shareable, version));
      return;
    }
    try (SessionLocks.Held held = locks.lock(name)) {
      if (known != 0) {
        // Only the access time changed here: dropped if another request has written since (and so
        // if the file is gone).
        Decoded current = readLocked(file);
        if (current == null || current.header().version() != known) {
          writesDropped.increment();
          return;
        }
      }
      writeAndReplace(name, file, new Encoded(bytes, shareable, version), false);
    }
    setVersion(data, version);
    writes.increment();
  }

  /**
   * Writes a change of a session read from its file, unless the file is gone (invalidated or
   * expired in another child since this request read it: it stays gone); merged with the other
   * changes of the session that wait meanwhile in this JVM ({@link MergedWrites}).
   */
  private void storeChange(String name, Path file, SessionData data, Encoded write)
      throws IOException {
    merged.write(
        name,
        file,
        write,
        write.version(),
        taken -> {
          try (SessionLocks.Held held = locks.lock(name)) {
            if (writeAndReplace(name, file, taken, true)) {
              writes.increment();
              setVersion(data, taken.version());
            } else {
              writesDropped.increment();
              LOG.debug("session file {} is gone, not written again", file);
            }
          }
        },
        written -> {
          writesMerged.increment();
          setVersion(data, written);
        });
  }

  /**
   * Writes the spare of {@code file} and puts it in the file's place, and remembers it as the file
   * this JVM knows; under the lock. {@code onlyOver}: only if there is a file to replace (the
   * exchange itself tells, with no look before), else the spare is removed.
   *
   * @return whether the spare is in the file's place
   */
  private boolean writeAndReplace(String name, Path file, Encoded write, boolean onlyOver)
      throws IOException {
    Path spare = directory.resolve(SessionFile.spareName(name));
    seen.forget(name);
    OwnFiles.writeSpare(spare, write.bytes());
    Exchange.Result swapped = Exchange.swap(spare, file);
    if (swapped != Exchange.Result.SWAPPED) {
      if (onlyOver
          && (swapped == Exchange.Result.NO_TARGET
              || !Files.exists(file, LinkOption.NOFOLLOW_LINKS))) {
        Files.deleteIfExists(spare);
        return false;
      }
      // A new session, or no exchange here: a rename over the file, if any, as atomic.
      Files.move(spare, file, StandardCopyOption.ATOMIC_MOVE);
    }
    if (seen.enabled()) {
      seen.put(name, identityOf(file), SessionFile.decode(write.bytes()), write.shareable());
    }
    return true;
  }

  /**
   * The identity of {@code file}, by one {@code lstat}; {@code null} if there is none or it is not
   * a regular file of the directory's owner (which a read then finds out).
   */
  private SeenFiles.Identity identityOf(Path file) {
    Map<String, Object> attributes;
    try {
      attributes =
          Files.readAttributes(
              file, "unix:mode,uid,ino,size,ctime,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
    if (!files.isOwnRegular(attributes)) {
      return null;
    }
    return new SeenFiles.Identity(
        attributes.get("ino"),
        (Long) attributes.get("size"),
        (FileTime) attributes.get("ctime"),
        (FileTime) attributes.get("lastModifiedTime"));
  }

  private static void setVersion(SessionData data, long version) {
    if (data instanceof StoredSessionData s) {
      s.version = version;
    }
  }

  @Override
  public boolean delete(String id) throws Exception {
    String name = SessionFile.name(prefix, id);
    if (name == null) {
      return false;
    }
    try (SessionLocks.Held held = locks.lock(name)) {
      return deleteWithSpare(directory.resolve(name));
    }
  }

  @Override
  public Set<String> doCheckExpired(Set<String> candidates, long time) {
    Set<String> expired = new HashSet<>();
    for (String id : candidates) {
      Path file = fileOf(id);
      Header header = file == null ? null : header(file);
      // No file: no such session any more, which the cache may forget.
      if (header == null || header.expiredAt(time - lagMs())) {
        expired.add(id);
      }
    }
    return expired;
  }

  @Override
  public Set<String> doGetExpired(long before) {
    Set<String> expired = new HashSet<>();
    for (Path file : sessionFiles()) {
      String name = file.getFileName().toString();
      if (!name.startsWith(prefix)) {
        continue;
      }
      Header header = header(file);
      if (header != null
          && header.expiredAt(before - lagMs())
          && name.equals(SessionFile.name(prefix, header.id()))) {
        expired.add(header.id());
      }
    }
    return expired;
  }

  /**
   * Removes the files of any context that expired before {@code time} (long ago: no child serves
   * them any more), the spares of sessions that are gone, and temporary files that old, left by an
   * older version's child that died while writing.
   */
  @Override
  public void doCleanOrphans(long time) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path file : entries) {
        String name = file.getFileName().toString();
        try {
          String ofSpare = SessionFile.ofSpare(name);
          if (ofSpare != null) {
            removeIfAlone(file, ofSpare);
          } else if (name.endsWith(SessionFile.TEMPORARY_SUFFIX)) {
            if (Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toMillis() < time) {
              Files.deleteIfExists(file);
            }
          } else if (name.endsWith(SessionFile.SUFFIX)) {
            removeIfExpired(file, time);
          }
        } catch (IOException e) {
          LOG.debug("session directory {}: {} not cleaned: {}", directory, name, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("session directory {} cannot be listed: {}", directory, e.toString());
    }
  }

  private void removeIfExpired(Path file, long time) throws IOException {
    try (SessionLocks.Held held = locks.lock(file.getFileName().toString())) {
      Decoded decoded = readLocked(file);
      if (decoded != null && decoded.header().expiredAt(time - lagMs())) {
        deleteWithSpare(file);
      }
    }
  }

  /** Removes {@code spare} if the session file {@code name} it is the spare of is gone. */
  private void removeIfAlone(Path spare, String name) throws IOException {
    try (SessionLocks.Held held = locks.lock(name)) {
      if (!Files.exists(directory.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(spare);
      }
    }
  }

  /** Session files read, for {@code dump} and the tests. */
  public long reads() {
    return reads.sum();
  }

  /** Loads that found the file this JVM last read or wrote, and so did not read it. */
  public long readsSaved() {
    return readsSaved.sum();
  }

  /** Session files whose header alone was read: to check a write, an id, an expiry. */
  public long headerReads() {
    return headerReads.sum();
  }

  /** Session files written. */
  public long writes() {
    return writes.sum();
  }

  /** Writes dropped: the file had gone, or only the access time would have changed. */
  public long writesDropped() {
    return writesDropped.sum();
  }

  /** Writes that a newer write of the same session, made while they waited, stood in for. */
  public long writesMerged() {
    return writesMerged.sum();
  }

  /** Unreadable files removed. */
  public long discarded() {
    return discarded.sum();
  }

  /** The directory this store keeps its files in. */
  public Path directory() {
    return directory;
  }

  /**
   * How long the expiry in a file may lag behind the session's real one: the save period, during
   * which Jetty does not write a request that changed nothing but the access time ({@code
   * AbstractSessionDataStore.store}). A session is taken for expired that much later, so that it
   * never ends before its time because its last access was not written.
   */
  private long lagMs() {
    return TimeUnit.SECONDS.toMillis(Math.max(0, getSavePeriodSec()));
  }

  private Path fileOf(String id) {
    String name = SessionFile.name(prefix, id);
    return name == null ? null : directory.resolve(name);
  }

  private Set<Path> sessionFiles() {
    Set<Path> files = new HashSet<>();
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(directory, "*" + SessionFile.SUFFIX)) {
      entries.forEach(files::add);
    } catch (IOException e) {
      LOG.warn("session directory {} cannot be listed: {}", directory, e.toString());
    }
    return files;
  }

  /** The header of {@code file}, or {@code null} when there is none or it is unreadable. */
  private Header header(Path file) {
    Decoded decoded = read(file);
    if (decoded == null) {
      return null;
    }
    headerReads.increment();
    return decoded.header();
  }

  /**
   * What {@code file} holds, read without the lock; {@code null} when there is no such file or it
   * is unreadable (and so removed). A file is read again, under the lock, when what was read does
   * not vouch for itself: a file that became a spare after it was opened and was written again
   * while it was read (a mix of two writes, which its checksum tells), or a format 1 file.
   */
  private Decoded read(Path file) {
    try {
      byte[] bytes = files.read(file);
      if (bytes == null) {
        return null;
      }
      Decoded decoded = SessionFile.decode(bytes);
      if (decoded.checked()) {
        return decoded;
      }
    } catch (IOException e) {
      LOG.debug("session file {} read again under its lock: {}", file, e.toString());
    }
    try (SessionLocks.Held held = locks.lock(file.getFileName().toString())) {
      return readLocked(file);
    } catch (IOException e) {
      LOG.warn("session file {} cannot be read under its lock: {}", file, e.toString());
      return null;
    }
  }

  /**
   * What {@code file} holds, read under its session's lock, where no one writes it: {@code null}
   * when there is no such file, or when it is unreadable, and then it is removed.
   */
  private Decoded readLocked(Path file) throws IOException {
    try {
      byte[] bytes = files.read(file);
      return bytes == null ? null : SessionFile.decode(bytes);
    } catch (SessionFile.NewerFormatException e) {
      // A newer install's children read it: left alone, said once.
      if (newerFormats.add(file.getFileName().toString())) {
        LOG.warn("session file {} is kept but not read here: {}", file, e.getMessage());
      }
      return null;
    } catch (IOException e) {
      remove(file, e);
      return null;
    }
  }

  /**
   * Removes a file whose attributes cannot be read (a class the web application no longer has),
   * unless it has been written again meanwhile.
   *
   * @param version the version its header names
   */
  private void discard(Path file, long version, Exception why) {
    try (SessionLocks.Held held = locks.lock(file.getFileName().toString())) {
      Decoded now = readLocked(file);
      // Written again since by another child: that one may be readable.
      if (now != null && now.header().version() == version) {
        remove(file, why);
      }
    } catch (IOException e) {
      LOG.warn("session file {} cannot be removed: {}", file, e.toString());
    }
  }

  /** Logs once and removes an unreadable session file, under its lock. */
  private void remove(Path file, Exception why) throws IOException {
    LOG.warn(
        "session file {} cannot be read; it is removed and its session treated as gone: {}",
        file,
        why.toString());
    LOG.debug("session file {}", file, why);
    discarded.increment();
    deleteWithSpare(file);
  }

  /** Deletes a session's file and its spare, under its lock; whether the file was there. */
  private boolean deleteWithSpare(Path file) throws IOException {
    seen.forget(file.getFileName().toString());
    boolean deleted = Files.deleteIfExists(file);
    Files.deleteIfExists(file.resolveSibling(SessionFile.spareName(file.getFileName().toString())));
    return deleted;
  }

  private static long newVersion() {
    long version;
    do {
      version = ThreadLocalRandom.current().nextLong();
    } while (version == 0);
    return version;
  }

  @Override
  public String toString() {
    return String.format(
        "%s@%x[%s, host %s, context %s, reads %d, saved %d, header reads %d, writes %d,"
            + " dropped %d, merged %d, discarded %d]",
        getClass().getSimpleName(),
        hashCode(),
        directory,
        host,
        _context == null ? null : _context.getCanonicalContextPath(),
        reads(),
        readsSaved(),
        headerReads(),
        writes(),
        writesDropped(),
        writesMerged(),
        discarded());
  }

  /** A session's file, encoded: its bytes, what loads may share of it, its version. */
  private record Encoded(byte[] bytes, Map<String, Object> shareable, long version) {}

  /** Jetty's session data, with the version of the file it was read from or last written to. */
  private static final class StoredSessionData extends SessionData {
    private static final long serialVersionUID = 1L;

    /** 0 until read from or written to a file. */
    transient volatile long version;

    /** How long the expiry read from the file may lag behind the real one; 0 for a new session. */
    transient volatile long lagMs;

    StoredSessionData(
        String id,
        String contextPath,
        String vhost,
        long created,
        long accessed,
        long lastAccessed,
        long maxInactiveMs) {
      super(id, contextPath, vhost, created, accessed, lastAccessed, maxInactiveMs);
    }

    @Override
    public boolean isExpiredAt(long time) {
      return super.isExpiredAt(time - lagMs);
    }
  }
}
