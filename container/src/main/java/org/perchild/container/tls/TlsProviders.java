package org.perchild.container.tls;

import java.security.Provider;
import java.security.Security;
import javax.net.ssl.SSLEngine;
import org.conscrypt.Conscrypt;
import org.perchild.config.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JCA provider of a host's {@code SSLContext} ({@code SSLProvider}). Conscrypt's native library
 * (BoringSSL, in its jar) is loaded the first time a host asks for it, in the child after the
 * privilege drop; it is then registered as a JCA provider at the end of the list, so that nothing
 * but the TLS contexts that name it uses it. Where it does not load (another platform, a {@code
 * noexec} temporary directory), the JDK's TLS serves instead, said once in the error log.
 */
public final class TlsProviders {

  private static final Logger LOG = LoggerFactory.getLogger(TlsProviders.class);

  private static volatile String conscryptName;
  private static String conscryptFailure;

  private TlsProviders() {}

  /**
   * The provider name for Jetty's {@code SslContextFactory.setProvider}, or null for the JDK's
   * default: for {@link SslProvider#JDK}, and for Conscrypt where it does not load.
   */
  public static String jcaName(SslProvider provider) {
    return provider == SslProvider.CONSCRYPT ? conscrypt() : null;
  }

  /**
   * What a server engine of {@code provider} needs beyond its context's settings: Conscrypt issues
   * no session tickets unless asked, and BoringSSL resumes TLS 1.3 sessions by ticket only. The
   * ticket keys are the {@code SSLContext}'s own, so a ticket resumes only under the host whose
   * context issued it.
   */
  public static void configure(SSLEngine engine) {
    if (conscryptName != null && Conscrypt.isConscrypt(engine)) {
      Conscrypt.setUseSessionTickets(engine, true);
    }
  }

  private static synchronized String conscrypt() {
    if (conscryptName != null || conscryptFailure != null) {
      return conscryptName;
    }
    try {
      Conscrypt.checkAvailability();
      Provider provider = Conscrypt.newProvider();
      Provider installed = Security.getProvider(provider.getName());
      if (installed == null) {
        Security.addProvider(provider);
        installed = provider;
      }
      conscryptName = installed.getName();
      Conscrypt.Version version = Conscrypt.version();
      LOG.info(
          "TLS: {} {}.{}.{} (BoringSSL)",
          installed.getName(),
          version.major(),
          version.minor(),
          version.patch());
    } catch (Throwable e) {
      conscryptFailure = e.getMessage() == null ? e.toString() : e.getMessage();
      LOG.warn(
          "TLS: Conscrypt does not load here, the JDK's TLS serves instead: {}", conscryptFailure);
    }
    return conscryptName;
  }
}
