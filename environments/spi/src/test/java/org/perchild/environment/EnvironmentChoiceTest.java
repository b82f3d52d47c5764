package org.perchild.environment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which environment a WAR gets: from the override file, its web.xml, then its classes. */
class EnvironmentChoiceTest {

  @TempDir Path appBase;

  private static String webXml(String namespace, String version) {
    return "<?xml version=\"1.0\"?>\n<web-app xmlns=\""
        + namespace
        + "\" version=\""
        + version
        + "\"><display-name>x</display-name></web-app>";
  }

  /** Bytes that look to the scan like a class file naming the given servlet class. */
  private static byte[] classNaming(String internalName) {
    byte[] name = internalName.getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = new byte[name.length + 10];
    bytes[0] = (byte) 0xCA;
    bytes[1] = (byte) 0xFE;
    System.arraycopy(name, 0, bytes, 8, name.length);
    return bytes;
  }

  private Path war(String name, Map<String, byte[]> entries) throws IOException {
    Path war = appBase.resolve(name);
    try (OutputStream out = Files.newOutputStream(war);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    }
    return war;
  }

  private Path warWithWebXml(String name, String webXml) throws IOException {
    return war(name, Map.of("WEB-INF/web.xml", webXml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void jakartaSixIsEe10AndFiveIsEe9() throws IOException {
    String jakarta = "https://jakarta.ee/xml/ns/jakartaee";
    assertEquals(
        "ee10", EnvironmentChoice.of(warWithWebXml("a.war", webXml(jakarta, "6.0"))).environment());
    assertEquals(
        "ee10", EnvironmentChoice.of(warWithWebXml("b.war", webXml(jakarta, "6.1"))).environment());
    assertEquals(
        "ee9", EnvironmentChoice.of(warWithWebXml("c.war", webXml(jakarta, "5.0"))).environment());
  }

  @Test
  void javaEeDescriptorsAreEe8() throws IOException {
    assertEquals(
        "ee8",
        EnvironmentChoice.of(
                warWithWebXml("a.war", webXml("http://xmlns.jcp.org/xml/ns/javaee", "4.0")))
            .environment());
    assertEquals(
        "ee8",
        EnvironmentChoice.of(
                warWithWebXml("b.war", webXml("http://java.sun.com/xml/ns/javaee", "3.0")))
            .environment());
  }

  @Test
  void aServlet23DtdIsEe8AndIsNeverFetched() throws IOException {
    // An address nobody answers: a parser that fetched the DTD would fail or hang here.
    String dtd =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE web-app PUBLIC \"-//Sun Microsystems, Inc.//DTD Web"
            + " Application 2.3//EN\" \"http://192.0.2.1/dtd/web-app_2_3.dtd\">\n"
            + "<web-app><display-name>old</display-name></web-app>";
    EnvironmentChoice choice = EnvironmentChoice.of(warWithWebXml("old.war", dtd));
    assertEquals("ee8", choice.environment());
    assertTrue(choice.reason().contains("DTD"), choice.reason());
  }

  @Test
  void aJavaEeDescriptorOverJakartaClassesIsEe9() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(
        "WEB-INF/web.xml",
        webXml("http://xmlns.jcp.org/xml/ns/javaee", "4.0").getBytes(StandardCharsets.UTF_8));
    entries.put("WEB-INF/classes/a/Hello.class", classNaming("jakarta/servlet/http/HttpServlet"));
    EnvironmentChoice choice = EnvironmentChoice.of(war("renamed.war", entries));
    assertEquals("ee9", choice.environment());
    assertTrue(choice.reason().contains("jakarta.servlet"), choice.reason());
  }

  @Test
  void withoutWebXmlTheClassesDecide() throws IOException {
    assertEquals(
        "ee8",
        EnvironmentChoice.of(
                war(
                    "javax.war",
                    Map.of(
                        "WEB-INF/classes/a/Hello.class",
                        classNaming("javax/servlet/http/HttpServlet"))))
            .environment());
    assertEquals(
        "ee10",
        EnvironmentChoice.of(
                war(
                    "jakarta.war",
                    Map.of(
                        "WEB-INF/classes/a/Hello.class",
                        classNaming("jakarta/servlet/http/HttpServlet"))))
            .environment());
    assertEquals(
        "ee10",
        EnvironmentChoice.of(war("static.war", Map.of("index.html", new byte[] {'h', 'i'})))
            .environment());
  }

  @Test
  void anExplodedDirectoryIsReadToo() throws IOException {
    Path dir = Files.createDirectories(appBase.resolve("shop/WEB-INF"));
    Files.writeString(dir.resolve("web.xml"), webXml("http://xmlns.jcp.org/xml/ns/javaee", "3.1"));
    assertEquals("ee8", EnvironmentChoice.of(appBase.resolve("shop")).environment());
  }

  @Test
  void thePropertiesFileBesideTheWarOverridesIt() throws IOException {
    Path war = warWithWebXml("app.war", webXml("https://jakarta.ee/xml/ns/jakartaee", "6.0"));
    Files.writeString(appBase.resolve("app.properties"), "environment = ee9\n");
    EnvironmentChoice choice = EnvironmentChoice.of(war);
    assertEquals("ee9", choice.environment());
    assertTrue(choice.reason().contains("app.properties"), choice.reason());
  }

  @Test
  void anOverrideNamingNoEnvironmentIsRefusedByName() throws IOException {
    Path war = warWithWebXml("app.war", webXml("https://jakarta.ee/xml/ns/jakartaee", "6.0"));
    Files.writeString(appBase.resolve("app.properties"), "environment=ee7\n");
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> EnvironmentChoice.of(war));
    assertTrue(refused.getMessage().contains("ee7"), refused.getMessage());
  }
}
