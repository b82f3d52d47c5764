package org.perchild.distribution;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One field of the flat JSON the probe and whoami webapps answer with, as the tests read it. */
final class JsonFields {

  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[^,}]+)");

  private JsonFields() {}

  /** The value of the first field {@code name}, quotes removed; AssertionError if none. */
  static String field(String json, String name) {
    Matcher m = FIELD.matcher(json);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return m.group(2).replace("\"", "");
      }
    }
    throw new AssertionError("no " + name + " in " + json);
  }
}
