package org.perchild.config;

import java.nio.file.Path;

/**
 * A {@code CustomLog}: an access log file and the {@code LogFormat} string its lines follow.
 *
 * @param path the log file
 * @param format the format string (a nickname already replaced by its format)
 * @param file where the directive is
 * @param line its line
 */
public record CustomLog(Path path, String format, Path file, int line) {}
