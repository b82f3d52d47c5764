package org.perchild.supervisor;

import java.util.List;
import org.perchild.posix.InheritedFd;

/**
 * One process to spawn, as {@link ProcessLaunch} describes it and a {@link ProcessSpawner} starts
 * it.
 *
 * @param argv the argument vector, {@code argv[0]} (the {@code java} binary) included
 * @param environment the whole environment, {@code NAME=value} entries
 * @param fds the descriptors the process gets, each at its number of {@code ProcessFds}
 */
record SpawnCommand(List<String> argv, List<String> environment, List<InheritedFd> fds) {

  SpawnCommand {
    argv = List.copyOf(argv);
    environment = List.copyOf(environment);
    fds = List.copyOf(fds);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv needs at least argv[0]");
    }
  }

  /** The program to run: {@code argv[0]}. */
  String program() {
    return argv.get(0);
  }
}
