package org.perchild.supervisor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.perchild.config.ChildGroup;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.PosixException;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ConfigViews;
import org.perchild.protocol.ConfigurationStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration of each generation as the launcher read it once, and the memory files that
 * carry it to the processes that run it: the acceptor's view at its spawn and with each {@code
 * RELOAD}, each child's own part at its spawn. Neither the acceptor nor any child ever opens the
 * configuration files; what they run is exactly what the launcher accepted, however the files
 * change afterwards. Used by the {@link Supervisor} on its thread only.
 */
final class ConfigurationHandover {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final Map<Integer, LoadedConfiguration> byGeneration = new HashMap<>();

  /** Records what generation {@code generation} runs, and says so in the log (tests wait on it). */
  void read(int generation, LoadedConfiguration loaded) {
    read(generation, loaded, Set.of());
  }

  /**
   * Records what generation {@code generation} runs; of the older ones it keeps the one before it
   * and every one in {@code running} (a kept group's children run an older generation's).
   */
  void read(int generation, LoadedConfiguration loaded, Set<Integer> running) {
    byGeneration.put(generation, loaded);
    byGeneration.keySet().removeIf(g -> g < generation - 1 && !running.contains(g));
    LOG.info("configuration read for generation {}: {}", generation, loaded.summary());
  }

  /** A new memory file with the acceptor's view of {@code config}, owned by the caller. */
  static int acceptorFile(ServerConfig config) throws PosixException {
    return MemoryFile.create(
        "perchild-acceptor-config", ConfigCodec.encode(ConfigViews.forAcceptor(config)));
  }

  /** A new memory file with what a child of {@code group} runs of {@code config}. */
  static int childFile(ServerConfig config, ChildGroup group) throws PosixException {
    return MemoryFile.create(
        "perchild-child-config", ConfigCodec.encode(ConfigViews.forChild(config, group)));
  }

  /**
   * Per child group, the configuration its current children run ({@code generations}: each group's
   * label and the generation of its children), for {@code perchild status}.
   */
  ConfigurationStatus status(Map<String, Integer> generations) {
    List<ConfigurationStatus.Group> rows = new ArrayList<>();
    for (Map.Entry<String, Integer> entry : generations.entrySet()) {
      LoadedConfiguration loaded = byGeneration.get(entry.getValue());
      if (loaded != null) {
        rows.add(
            new ConfigurationStatus.Group(
                entry.getKey(),
                entry.getValue(),
                loaded.config().configFile().toString(),
                loaded.readAt(),
                loaded.sha256()));
      }
    }
    return new ConfigurationStatus(rows);
  }

  /** Each group's label and the generation of its children, in slot order. */
  static Map<String, Integer> generationsOf(List<ChildSlot> children) {
    Map<String, Integer> generations = new LinkedHashMap<>();
    for (ChildSlot child : children) {
      generations.merge(child.group.label(), child.generation, Math::max);
    }
    return generations;
  }
}
