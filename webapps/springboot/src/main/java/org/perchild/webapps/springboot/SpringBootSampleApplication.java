package org.perchild.webapps.springboot;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.support.SpringBootServletInitializer;

/**
 * The Spring Boot sample as a tenant would deploy it: a WAR without {@code web.xml} and without an
 * embedded server. The container finds this class through Spring's {@code
 * ServletContainerInitializer} ({@code SpringServletContainerInitializer}, listed in {@code
 * spring-web}'s {@code META-INF/services}), which starts the application inside the container's
 * servlet context.
 */
@SpringBootApplication
public class SpringBootSampleApplication extends SpringBootServletInitializer {

  @Override
  protected SpringApplicationBuilder configure(SpringApplicationBuilder application) {
    return application.sources(SpringBootSampleApplication.class);
  }
}
