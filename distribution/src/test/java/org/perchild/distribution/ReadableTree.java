package org.perchild.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The assembled distribution where the users the process tests run as can reach it, as an
 * installation must be: the tenants' children and the acceptor read {@code lib/} after they have
 * dropped root. A checkout under a directory others cannot enter ({@code mktemp -d} makes one mode
 * 0700) is copied once, with the assembly's own modes, into a temporary directory that is.
 */
final class ReadableTree {

  /** {@code target/perchild}, or its readable copy. */
  static final Path TREE = locate(Path.of("target/perchild").toAbsolutePath());

  private ReadableTree() {}

  private static Path locate(Path built) {
    try {
      if (othersCanEnter(built)) {
        return built;
      }
      Path copy = Files.createTempDirectory("perchild-tree");
      Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.walkFileTree(
          built,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes)
                throws IOException {
              Path target = copy.resolve(built.relativize(dir).toString());
              if (!Files.exists(target)) {
                Files.copy(dir, target, StandardCopyOption.COPY_ATTRIBUTES);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                throws IOException {
              Files.copy(
                  file,
                  copy.resolve(built.relativize(file).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES);
              return FileVisitResult.CONTINUE;
            }
          });
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the distribution readable for the tests", e);
    }
  }

  private static boolean othersCanEnter(Path path) throws IOException {
    for (Path dir = path; dir != null; dir = dir.getParent()) {
      if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
        return false;
      }
    }
    return true;
  }
}
