package org.perchild.launcher;

/** The version strings {@code perchild -v} prints, from the jar's manifest. */
final class Version {

  private Version() {}

  /** {@code Perchild/0.1.0}; {@code Perchild/dev} when run from classes rather than a jar. */
  static String serverVersion() {
    String version = Version.class.getPackage().getImplementationVersion();
    return "Perchild/" + (version == null ? "dev" : version);
  }
}
