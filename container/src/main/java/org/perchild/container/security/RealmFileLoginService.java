package org.perchild.container.security;

import java.nio.file.Path;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.PropertyUserStore;
import org.eclipse.jetty.util.Scanner;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Jetty's {@link HashLoginService} on one {@code WebAppRealm} file, reloading it when it changes,
 * that also ends its reload thread when it stops. Jetty's {@code PropertyUserStore} watches the
 * file with a {@link Scanner} that makes a scheduler of its own, and {@code Scanner.doStop}
 * (12.1.10 to at least 12.1.14) does not stop it: without this, every stop of a login service (each
 * undeploy and redeploy of its web application) would leave one idle thread behind for the child's
 * life.
 */
final class RealmFileLoginService extends HashLoginService {

  RealmFileLoginService(String name, Path file, int reloadIntervalSeconds) {
    super(name, ResourceFactory.root().newResource(file));
    setReloadInterval(reloadIntervalSeconds);
  }

  @Override
  protected void doStop() throws Exception {
    // Found before super.doStop, which drops the user store it created.
    ScheduledExecutorScheduler scannerScheduler = null;
    PropertyUserStore store = getBean(PropertyUserStore.class);
    Scanner scanner = store == null ? null : store.getBean(Scanner.class);
    if (scanner != null) {
      scannerScheduler = scanner.getBean(ScheduledExecutorScheduler.class);
    }
    try {
      super.doStop();
    } finally {
      if (scannerScheduler != null) {
        scannerScheduler.stop();
      }
    }
  }
}
