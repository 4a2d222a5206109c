package io.tokenmeter.console.session;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * Who may open which page. The console checks roles itself so a tenant gets a refusal instead of a broken admin
 * page, but the platform's own checks stay the boundary: every page calls the APIs with the user's key. CSRF
 * tokens on every form (Spring Security's default, htmx sends the token as a header), sign-out by POST, a
 * restrictive content security policy (no inline scripts).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

    @Bean
    SecurityContextRepository securityContextRepository() {
        return new HttpSessionSecurityContextRepository();
    }

    /** No users of the console's own: the platform knows the keys (without this, Boot makes a default user). */
    @Bean
    UserDetailsService noLocalUsers() {
        return username -> {
            throw new UsernameNotFoundException("the console signs in with API keys only");
        };
    }

    @Bean
    SecurityFilterChain console(HttpSecurity http, SecurityContextRepository contexts) throws Exception {
        http.securityContext(c -> c.securityContextRepository(contexts))
                .authorizeHttpRequests(a -> a.requestMatchers(
                                "/console/sign-in",
                                "/console/assets/**",
                                "/console/webjars/**",
                                "/console/forbidden",
                                "/error")
                        .permitAll()
                        .requestMatchers("/actuator/**", "/v3/api-docs/**")
                        .permitAll() // the console's own port listens on 127.0.0.1; the gateway routes only /console
                        .requestMatchers("/console/admin/**")
                        .hasRole("ADMIN")
                        .requestMatchers("/console/finance/**")
                        .hasAnyRole("FINANCE", "ADMIN")
                        .anyRequest()
                        .authenticated())
                .exceptionHandling(
                        e -> e.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint("/console/sign-in"))
                                .accessDeniedPage("/console/forbidden"))
                .logout(l -> l.logoutUrl("/console/sign-out")
                        .logoutSuccessUrl("/console/sign-in?signed-out")
                        .invalidateHttpSession(true)
                        .deleteCookies("TOKENMETER_CONSOLE"))
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(
                                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                        + "frame-ancestors 'none'; form-action 'self'"))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)))
                .requestCache(c -> c.disable());
        return http.build();
    }
}
