package org.perchild.supervisor;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConfigException;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ConfigProblem;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorReply;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful restart (httpd's USR1, and HUP): read the configuration again; if it is refused (it
 * does not parse, {@link RestartCompatibility} refuses it, or its logs or session directories
 * cannot be prepared), say why and go on serving the running one. Else start a new generation for
 * it in the {@link Generations}: new children only for the groups whose children would run
 * something else ({@link GroupChanges}: their hosts, JVM options, number, the files they read at
 * start, or any global setting a child uses); every other group's running children go on into the
 * new generation as they are, same pid, same sessions, same warm JIT. The acceptor is switched to
 * it in one go once every new child is READY; the replaced children then finish their requests and
 * exit. A restart (HUP, {@code -k restart}) restarts every group, as httpd's does. The {@link
 * Supervisor}'s loop calls {@link #begin} for the signal or the operator's command.
 */
final class GracefulRestart {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final ChildTable children;
  private final Generations generations;
  private final ErrorLogs logs;
  private final Accounts accounts;
  private final ConfigurationHandover handover;
  private final Account singleUser;

  /** ServerLimit and ThreadLimit of the first start: they change only on a full start. */
  private final int serverLimitInForce;

  private final int threadLimitInForce;

  GracefulRestart(
      ChildTable children,
      Generations generations,
      ErrorLogs logs,
      Accounts accounts,
      ConfigurationHandover handover,
      Account singleUser,
      int serverLimitInForce,
      int threadLimitInForce) {
    this.children = children;
    this.generations = generations;
    this.logs = logs;
    this.accounts = accounts;
    this.handover = handover;
    this.singleUser = singleUser;
    this.serverLimitInForce = serverLimitInForce;
    this.threadLimitInForce = threadLimitInForce;
  }

  /**
   * Begins a graceful restart caught as {@code why}; the reply tells the operator whether a new
   * generation is starting or why not.
   */
  OperatorReply begin(String why, boolean stopping) {
    if (stopping) {
      return OperatorReply.error("the server is stopping");
    }
    if (generations.restartUnderWay()) {
      LOG.warn("caught {}: a graceful restart is already under way", why);
      return OperatorReply.error("a graceful restart is already under way");
    }
    ServerConfig running = children.config();
    ServerConfig fresh;
    try {
      LoadedConfiguration loaded =
          new ConfigLoader(accounts).loadSource(running.serverRoot(), running.configFile());
      fresh = loaded.config();
      handover.read(generations.generation() + 1, loaded, generations.generationsRunning());
    } catch (ConfigException e) {
      for (ConfigProblem problem : e.problems()) {
        LOG.error("graceful restart refused, still serving the running configuration: {}", problem);
      }
      return OperatorReply.error("the configuration is refused:\n" + e.getMessage());
    }
    for (ConfigProblem warning : fresh.warnings()) {
      LOG.warn("{}", warning);
    }
    RestartCompatibility.Verdict verdict =
        RestartCompatibility.check(running, fresh, serverLimitInForce, threadLimitInForce);
    for (String warning : verdict.warnings()) {
      LOG.warn("{}", warning);
    }
    if (!verdict.accepted()) {
      for (String refusal : verdict.refusals()) {
        LOG.warn("graceful restart refused, still serving the running configuration: {}", refusal);
      }
      return OperatorReply.error(String.join("\n", verdict.refusals()));
    }
    try {
      LogFiles.prepare(fresh, singleUser);
      // A new tenant's directory, or one whose mode was changed by hand, before its children start.
      SessionDirectories.prepare(fresh, singleUser);
    } catch (IOException e) {
      LOG.error(
          "graceful restart refused, still serving the running configuration: {}", e.getMessage());
      return OperatorReply.error(e.getMessage());
    }
    int nextGen = generations.generation() + 1;
    GroupChanges.Plan plan = generations.plan(fresh);
    LOG.info(
        "caught {}: graceful restart, starting generation {}: {} of {} groups restart",
        why,
        nextGen,
        plan.restarting().size(),
        fresh.childGroups().size());
    for (Map.Entry<ChildGroup, String> restarting : plan.restarting().entrySet()) {
      LOG.info("group {} restarts: {}", restarting.getKey().label(), restarting.getValue());
    }
    for (ChildGroup kept : plan.kept()) {
      LOG.info("group {} kept: its children run on", kept.label());
    }
    for (ChildSlot child : children.current()) {
      if (plan.removed().contains(GroupChanges.Key.of(child.group))) {
        LOG.info("group {} removed: child {} retires", child.group.label(), child.slot);
      }
    }
    // The new children open their error logs anew: after logrotate, the new files. A kept group's
    // children keep theirs, which is why a rotated log counts as a change of its group.
    logs.closeChildLogs();
    int slot = generations.beginNextGeneration(fresh, plan);
    for (ChildGroup group : plan.restarting().keySet()) {
      for (int i = 0; i < GroupChanges.children(group); i++) {
        ChildSlot child = new ChildSlot(slot++, group, nextGen);
        try {
          generations.startInNextGeneration(child);
        } catch (IOException | RuntimeException e) {
          LOG.error(
              "graceful restart abandoned: could not start child {}: {}", child.slot, e.toString());
          generations.abandonGeneration();
          return OperatorReply.error("could not start child " + child.slot + ": " + e);
        }
      }
    }
    if (!generations.restartUnderWay()) {
      generations.switchGeneration();
    }
    List<String> kept =
        plan.kept().stream()
            .filter(g -> GroupChanges.children(g) > 0)
            .map(ChildGroup::label)
            .toList();
    String keeping = kept.isEmpty() ? "" : "; kept: " + String.join(", ", kept);
    return OperatorReply.ok("graceful restart: starting generation " + nextGen + keeping);
  }
}
