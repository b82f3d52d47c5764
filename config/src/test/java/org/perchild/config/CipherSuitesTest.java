package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class CipherSuitesTest {

  @Test
  void absentIsTheModernDefaultAndTheJdkKnowsEverySuiteOfIt() throws Exception {
    CipherSuites.Selection selection = CipherSuites.parse(null);
    assertEquals(CipherSuites.MODERN, selection.suites());
    List<String> supported =
        List.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    assertTrue(supported.containsAll(CipherSuites.MODERN), supported.toString());
  }

  @Test
  void opensslAndJdkNamesMixAndTls13IsKept() {
    CipherSuites.Selection selection =
        CipherSuites.parse("ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    assertEquals(
        List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
        selection.suites());
    assertEquals(List.of(), selection.warnings());
  }

  @Test
  void tls13SuitesNamedAreTheOnlyTls13Ones() {
    assertEquals(
        List.of("TLS_AES_256_GCM_SHA384"),
        CipherSuites.parse("TLSv1.3 TLS_AES_256_GCM_SHA384").suites());
  }

  @Test
  void keywordsAndExclusionsAreSetAsideWithAWarning() {
    CipherSuites.Selection selection = CipherSuites.parse("HIGH:!aNULL:!MD5");
    assertEquals(CipherSuites.MODERN, selection.suites());
    assertEquals(
        List.of(
            "OpenSSL cipher-string keywords and exclusions are not expanded: HIGH:!aNULL:!MD5;"
                + " the modern default is used"),
        selection.warnings());
  }

  @Test
  void anUnknownSuiteIsRefusedByName() {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> CipherSuites.parse("ECDHE-RSA-AES128-GCM-SHA256:FOO-BAR-SHA"));
    assertTrue(refused.getMessage().startsWith("unknown cipher suite FOO-BAR-SHA"));
  }
}
