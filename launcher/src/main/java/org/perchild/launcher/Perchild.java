package org.perchild.launcher;

/** Placeholder. */
public final class Perchild {
  private Perchild() {}

  public static void main(String[] args) {}
}
