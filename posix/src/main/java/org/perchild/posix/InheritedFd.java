package org.perchild.posix;

/**
 * "Put this descriptor of ours at this number in the child": one descriptor {@link PosixSpawn}
 * hands to a new process, e.g. the child's channel end {@code 57 → 3}, a listen socket {@code 60 →
 * 4}, the error log {@code → 1} and {@code → 2}.
 *
 * @param parentFd a descriptor open in this process (close-on-exec or not, it does not matter)
 * @param childFd the number it gets in the child; inherited without close-on-exec
 */
public record InheritedFd(int parentFd, int childFd) {

  /** Checks that both are descriptor numbers. */
  public InheritedFd {
    if (parentFd < 0 || childFd < 0) {
      throw new IllegalArgumentException("fd " + parentFd + " -> " + childFd);
    }
  }
}
