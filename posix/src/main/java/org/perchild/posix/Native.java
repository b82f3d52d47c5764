package org.perchild.posix;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The one native POSIX instance of a process. {@code POSIXFactory.getPOSIX()} would silently fall
 * back to a pure-Java emulation that cannot change users or pass descriptors; Perchild refuses to
 * run on such a fallback.
 */
public final class Native {

  private static volatile POSIX instance;

  private Native() {}

  /** The native POSIX layer, loaded on first use; throws if it is not native. */
  public static POSIX posix() {
    POSIX posix = instance;
    if (posix == null) {
      synchronized (Native.class) {
        posix = instance;
        if (posix == null) {
          posix = POSIXFactory.getNativePOSIX();
          if (!posix.isNative()) {
            throw new IllegalStateException(
                "the native POSIX layer (jnr-posix) could not be loaded on this platform");
          }
          instance = posix;
        }
      }
    }
    return posix;
  }
}
