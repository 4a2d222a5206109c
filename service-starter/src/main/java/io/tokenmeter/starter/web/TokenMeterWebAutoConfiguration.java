package io.tokenmeter.starter.web;

import io.tokenmeter.contracts.identity.CallerHeaders;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The servlet glue every service shares: request ids, problem details, and the signed caller. It runs before
 * Boot's MVC auto-configuration so that Boot's own problem-details handler backs off in favour of ours.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(InternalAuthProperties.class)
public class TokenMeterWebAutoConfiguration {

    @Bean
    FilterRegistrationBean<RequestIdFilter> requestIdFilter() {
        FilterRegistrationBean<RequestIdFilter> registration = new FilterRegistrationBean<>(new RequestIdFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    ProblemDetailsAdvice problemDetailsAdvice() {
        return new ProblemDetailsAdvice();
    }

    @Bean
    CallerHeaders callerHeaders(InternalAuthProperties properties) {
        Map<String, CallerHeaders.Trusted> trusted = new HashMap<>();
        properties.callers().forEach((name, caller) -> {
            if (caller.publicKey() != null && !caller.publicKey().isBlank()) {
                trusted.put(
                        name,
                        new CallerHeaders.Trusted(
                                CallerHeaders.publicKey(caller.publicKey()),
                                caller.roles() == null ? Set.of() : Set.copyOf(caller.roles())));
            }
        });
        boolean signs =
                properties.privateKey() != null && !properties.privateKey().isBlank();
        return new CallerHeaders(
                properties.name(),
                signs ? CallerHeaders.privateKey(properties.privateKey()) : null,
                trusted,
                Clock.systemUTC());
    }

    @Bean
    @ConditionalOnProperty(name = "tokenmeter.internal.require-caller", havingValue = "true", matchIfMissing = true)
    FilterRegistrationBean<CallerFilter> callerFilter(CallerHeaders headers, InternalAuthProperties properties) {
        FilterRegistrationBean<CallerFilter> registration = new FilterRegistrationBean<>(
                new CallerFilter(headers, properties.maxBody().toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Bean
    WebMvcConfigurer callerArgumentResolverConfigurer() {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new CallerArgumentResolver());
            }
        };
    }
}
