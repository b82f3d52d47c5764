package org.perchild.container.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.perchild.container.AppBase;

/**
 * The decisions of hot deployment for one {@code AppBase}, without doing any of them: {@link
 * AppBaseDeployer} calls {@link #scan()} about once a second and acts on the changes it returns.
 *
 * <p>An application is (re)deployed only once its signature — a WAR's size and modification time;
 * for an exploded directory, those of {@code WEB-INF/web.xml}, {@code WEB-INF/lib} and {@code
 * WEB-INF/classes} — is the same at two successive scans and differs from what is deployed. A WAR
 * still being copied in changes between scans, so it is deployed once, complete, however slowly it
 * arrives (as long as the copy never pauses for a whole scan interval; copy to a hidden name such
 * as {@code .shop.war} and rename to be sure). An application that is gone is undeployed at the
 * first scan that misses it.
 *
 * <pre>
 *   absent ──seen──▶ unsettled ──same at next scan──▶ DEPLOY ──▶ deployed
 *   deployed ──signature changes, then holds for a scan──▶ REDEPLOY ──▶ deployed
 *   deployed ──missing from a scan──▶ UNDEPLOY ──▶ absent
 * </pre>
 *
 * <p>Not thread-safe: one deployer thread owns it.
 */
public final class AppBaseScanner {

  /** What to do with one application. */
  public enum Action {
    DEPLOY,
    REDEPLOY,
    UNDEPLOY
  }

  /**
   * One decision.
   *
   * @param action what to do
   * @param app the application: for {@link Action#UNDEPLOY}, the one that was deployed
   */
  public record Change(Action action, AppBase.WebApp app) {}

  /** What identifies one version of an application on disk. */
  private record Signature(AppBase.WebApp app, long size, long modified) {}

  private final Path directory;
  private Map<String, Signature> previous = Map.of();
  private final Map<String, Signature> deployed = new TreeMap<>();

  /** A scanner of {@code directory} that has deployed nothing yet. */
  public AppBaseScanner(Path directory) {
    this.directory = directory;
  }

  /**
   * The first scan, when the child starts: everything present is deployed at once (no server is
   * serving yet, so there is nothing to wait for).
   *
   * @throws IOException if the directory cannot be listed
   */
  public List<Change> initial() throws IOException {
    Map<String, Signature> now = snapshot();
    List<Change> changes = new ArrayList<>();
    now.forEach(
        (path, signature) -> {
          deployed.put(path, signature);
          changes.add(new Change(Action.DEPLOY, signature.app()));
        });
    previous = now;
    return changes;
  }

  /**
   * One poll: undeploys first (by context path), then deploys and redeploys, each list ordered by
   * context path.
   *
   * @throws IOException if the directory cannot be listed; nothing is decided then
   */
  public List<Change> scan() throws IOException {
    Map<String, Signature> now = snapshot();
    List<Change> changes = new ArrayList<>();
    for (var i = deployed.entrySet().iterator(); i.hasNext(); ) {
      Map.Entry<String, Signature> each = i.next();
      if (!now.containsKey(each.getKey())) {
        changes.add(new Change(Action.UNDEPLOY, each.getValue().app()));
        i.remove();
      }
    }
    now.forEach(
        (path, signature) -> {
          boolean settled = signature.equals(previous.get(path));
          Signature current = deployed.get(path);
          if (settled && !signature.equals(current)) {
            changes.add(
                new Change(current == null ? Action.DEPLOY : Action.REDEPLOY, signature.app()));
            deployed.put(path, signature);
          }
        });
    previous = now;
    return changes;
  }

  private Map<String, Signature> snapshot() throws IOException {
    Map<String, Signature> now = new LinkedHashMap<>();
    for (AppBase.WebApp app : AppBase.scan(directory)) {
      Signature signature = signatureOf(app);
      if (signature != null) {
        now.put(app.contextPath(), signature);
      }
    }
    return now;
  }

  /** Null when the application vanished between the listing and now. */
  private static Signature signatureOf(AppBase.WebApp app) {
    try {
      if (app.isWar()) {
        BasicFileAttributes war = Files.readAttributes(app.source(), BasicFileAttributes.class);
        return new Signature(app, war.size(), war.lastModifiedTime().to(TimeUnit.NANOSECONDS));
      }
      long size = 0;
      long modified = 0;
      for (String part : List.of("WEB-INF/web.xml", "WEB-INF/lib", "WEB-INF/classes")) {
        Path path = app.source().resolve(part);
        if (Files.exists(path)) {
          BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
          size += attributes.isRegularFile() ? attributes.size() : 0;
          modified = Math.max(modified, attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        }
      }
      return new Signature(app, size, modified);
    } catch (IOException e) {
      // Gone (or unreadable) between the listing and now: as if absent at this scan.
      return null;
    }
  }
}
