package org.perchild.container;

/**
 * One child's load at one moment, as it reports it to the launcher every second on its control
 * channel: {@code LOAD <busy> <idle> <total> <queued> <connections> <requests> <bytes>}. The
 * launcher keeps the latest per slot for its scoreboard, {@code /server-status} and {@code
 * /metrics}.
 *
 * @param busy threads serving a request
 * @param idle threads waiting for work
 * @param total threads alive (busy, idle, and those the selector leases)
 * @param queued jobs waiting for a thread
 * @param connections connections handed to this child and not closed yet
 * @param requests requests answered since the child started
 * @param bytes bytes of responses written since the child started
 */
public record ChildLoad(
    int busy, int idle, int total, int queued, int connections, long requests, long bytes) {

  /** The control message. */
  public String message() {
    return "LOAD "
        + busy
        + " "
        + idle
        + " "
        + total
        + " "
        + queued
        + " "
        + connections
        + " "
        + requests
        + " "
        + bytes;
  }
}
