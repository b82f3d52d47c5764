package org.perchild.environment;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Which servlet environment a web application needs, decided as Jetty's deployer lets an operator
 * decide and otherwise from the WAR itself, in this order:
 *
 * <ol>
 *   <li>{@code environment=ee8} (or {@code ee9}, {@code ee10}) in a {@code <name>.properties} file
 *       beside the WAR or directory in its {@code AppBase} (Jetty's convention);
 *   <li>the {@code WEB-INF/web.xml}: Java EE namespaces ({@code
 *       http://xmlns.jcp.org/xml/ns/javaee}, {@code http://java.sun.com/xml/ns/javaee}, {@code
 *       j2ee}, or a 2.3 DTD) are {@code ee8}; {@code https://jakarta.ee/xml/ns/jakartaee} version
 *       5.0 is {@code ee9}, 6.0 and later {@code ee10};
 *   <li>without a {@code web.xml}, the classes the WAR's own code (then its libraries) refers to:
 *       {@code javax/servlet/} is {@code ee8}, {@code jakarta/servlet/} is {@code ee10};
 *   <li>otherwise {@code ee10}.
 * </ol>
 *
 * <p>It reads only the web.xml's root element (no DTD or external entity is ever fetched) and, when
 * there is no web.xml, class files until one names a servlet package.
 *
 * @param environment {@code ee8}, {@code ee9} or {@code ee10}
 * @param reason why, for the deployment's log line
 */
public record EnvironmentChoice(String environment, String reason) {

  /** The key of the {@code <name>.properties} file's override. */
  public static final String PROPERTY = "environment";

  private static final String WEB_XML = "WEB-INF/web.xml";
  private static final byte[] JAVAX = "javax/servlet/".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] JAKARTA = "jakarta/servlet/".getBytes(StandardCharsets.US_ASCII);

  /** Bounds what the class scan reads of a WAR's libraries, so a huge WAR deploys in time. */
  private static final long SCAN_LIMIT = 64L << 20;

  /**
   * The environment for the WAR file or exploded directory {@code source}.
   *
   * @throws IOException if the override file or the WAR cannot be read
   * @throws IllegalArgumentException if the override names no environment Perchild has
   */
  public static EnvironmentChoice of(Path source) throws IOException {
    EnvironmentChoice override = override(source);
    if (override != null) {
      return override;
    }
    byte[] webXml = webXml(source);
    if (webXml != null) {
      EnvironmentChoice declared = fromWebXml(webXml);
      if (declared.environment().equals("ee8") && "ee10".equals(scanClasses(source))) {
        // A Java EE descriptor over jakarta.servlet code: a WAR moved to Jakarta by renaming its
        // packages, which is what Jakarta EE 9 is for (Jetty's own ee9 demos are such WARs).
        return new EnvironmentChoice(
            "ee9", declared.reason() + ", but its classes use jakarta.servlet");
      }
      return declared;
    }
    String scanned = scanClasses(source);
    if (scanned != null) {
      return new EnvironmentChoice(
          scanned,
          "no web.xml; its classes use "
              + (scanned.equals("ee8") ? "javax.servlet" : "jakarta.servlet"));
    }
    return new EnvironmentChoice("ee10", "no web.xml and no servlet classes");
  }

  /** The {@code <name>.properties} beside the source, if it names an environment. */
  static EnvironmentChoice override(Path source) throws IOException {
    String file = source.getFileName().toString();
    String name =
        file.toLowerCase(Locale.ROOT).endsWith(".war") && !Files.isDirectory(source)
            ? file.substring(0, file.length() - 4)
            : file;
    Path properties = source.resolveSibling(name + ".properties");
    if (!Files.isRegularFile(properties)) {
      return null;
    }
    Properties values = new Properties();
    try (InputStream in = Files.newInputStream(properties)) {
      values.load(in);
    }
    String environment = values.getProperty(PROPERTY);
    if (environment == null) {
      return null;
    }
    environment = environment.trim();
    if (!ServletEnvironments.NAMES.contains(environment)) {
      throw new IllegalArgumentException(
          properties
              + ": environment="
              + environment
              + " is none of "
              + String.join(", ", ServletEnvironments.NAMES));
    }
    return new EnvironmentChoice(environment, properties.getFileName() + " says so");
  }

  /** The environment a {@code web.xml}'s root element asks for. */
  static EnvironmentChoice fromWebXml(byte[] webXml) {
    String namespace;
    String version;
    boolean dtd = false;
    try {
      XMLInputFactory factory = XMLInputFactory.newFactory();
      factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
      factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
      XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(webXml));
      try {
        while (reader.hasNext() && reader.next() != XMLStreamConstants.START_ELEMENT) {
          if (reader.getEventType() == XMLStreamConstants.DTD) {
            dtd = true;
          }
        }
        if (!reader.isStartElement()) {
          return new EnvironmentChoice("ee10", "web.xml has no root element");
        }
        namespace = reader.getNamespaceURI();
        version = reader.getAttributeValue(null, "version");
      } finally {
        reader.close();
      }
    } catch (XMLStreamException e) {
      return new EnvironmentChoice("ee10", "web.xml does not parse (" + e.getMessage() + ")");
    }
    String says = "web.xml " + (version == null ? "" : version + " ");
    if (namespace == null || namespace.isEmpty()) {
      return new EnvironmentChoice("ee8", says + (dtd ? "with a DTD" : "without a namespace"));
    }
    if (namespace.equals("https://jakarta.ee/xml/ns/jakartaee")) {
      String environment = "5.0".equals(version) ? "ee9" : "ee10";
      return new EnvironmentChoice(environment, says + namespace);
    }
    if (namespace.startsWith("http://xmlns.jcp.org/xml/ns/javaee")
        || namespace.startsWith("http://java.sun.com/xml/ns/")) {
      return new EnvironmentChoice("ee8", says + namespace);
    }
    return new EnvironmentChoice("ee10", says + "in an unknown namespace " + namespace);
  }

  private static byte[] webXml(Path source) throws IOException {
    if (Files.isDirectory(source)) {
      Path file = source.resolve(WEB_XML);
      return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
    }
    try (ZipFile zip = new ZipFile(source.toFile())) {
      ZipEntry entry = zip.getEntry(WEB_XML);
      if (entry == null) {
        return null;
      }
      try (InputStream in = zip.getInputStream(entry)) {
        return in.readAllBytes();
      }
    }
  }

  /** {@code ee8} or {@code ee10} by the first servlet package a class names, or null. */
  private static String scanClasses(Path source) throws IOException {
    long[] budget = {SCAN_LIMIT};
    if (Files.isDirectory(source)) {
      Path classes = source.resolve("WEB-INF/classes");
      if (Files.isDirectory(classes)) {
        try (Stream<Path> walk = Files.walk(classes)) {
          for (Path file : walk.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
            String found = servletPackage(Files.readAllBytes(file), budget);
            if (found != null) {
              return found;
            }
          }
        }
      }
      Path lib = source.resolve("WEB-INF/lib");
      if (Files.isDirectory(lib)) {
        try (Stream<Path> listing = Files.list(lib)) {
          for (Path jar :
              listing
                  .filter(p -> p.toString().endsWith(".jar"))
                  .sorted(Comparator.naturalOrder())
                  .toList()) {
            try (InputStream in = Files.newInputStream(jar)) {
              String found = scanJar(in, budget);
              if (found != null) {
                return found;
              }
            }
          }
        }
      }
      return null;
    }
    try (ZipFile zip = new ZipFile(source.toFile())) {
      List<? extends ZipEntry> entries = list(zip);
      for (ZipEntry entry : entries) {
        if (entry.getName().startsWith("WEB-INF/classes/") && entry.getName().endsWith(".class")) {
          try (InputStream in = zip.getInputStream(entry)) {
            String found = servletPackage(in.readAllBytes(), budget);
            if (found != null) {
              return found;
            }
          }
        }
      }
      for (ZipEntry entry : entries) {
        if (entry.getName().startsWith("WEB-INF/lib/") && entry.getName().endsWith(".jar")) {
          try (InputStream in = zip.getInputStream(entry)) {
            String found = scanJar(in, budget);
            if (found != null) {
              return found;
            }
          }
        }
        if (budget[0] <= 0) {
          return null;
        }
      }
    }
    return null;
  }

  private static List<? extends ZipEntry> list(ZipFile zip) {
    List<ZipEntry> entries = new java.util.ArrayList<>();
    Enumeration<? extends ZipEntry> each = zip.entries();
    while (each.hasMoreElements()) {
      entries.add(each.nextElement());
    }
    entries.sort(Comparator.comparing(ZipEntry::getName));
    return entries;
  }

  private static String scanJar(InputStream jar, long[] budget) throws IOException {
    ZipInputStream zip = new ZipInputStream(jar);
    for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
      if (budget[0] <= 0) {
        return null;
      }
      if (entry.getName().endsWith(".class")) {
        String found = servletPackage(zip.readAllBytes(), budget);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** Looks for the servlet packages' names in a class file's bytes (its constant pool). */
  static String servletPackage(byte[] classFile, long[] budget) {
    budget[0] -= classFile.length;
    if (indexOf(classFile, JAVAX) >= 0) {
      return "ee8";
    }
    if (indexOf(classFile, JAKARTA) >= 0) {
      return "ee10";
    }
    return null;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
