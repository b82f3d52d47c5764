package org.perchild.config;

/**
 * The spare-thread policy of every child: perchild's thread directives.
 *
 * @param startThreads threads each child starts with
 * @param minSpareThreads fewest idle threads a child keeps
 * @param maxSpareThreads most idle threads a child keeps
 * @param maxThreadsPerChild most requests one child serves at once
 * @param threadLimit ceiling of {@code MaxThreadsPerChild} for the server's life
 */
public record ThreadSettings(
    int startThreads,
    int minSpareThreads,
    int maxSpareThreads,
    int maxThreadsPerChild,
    int threadLimit) {}
