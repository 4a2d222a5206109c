package io.tokenmeter.gateway.proxy;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.gateway.auth.ClientAddresses;
import io.tokenmeter.starter.web.CachedBodyRequest;
import io.tokenmeter.starter.web.CallerFilter;
import io.tokenmeter.starter.web.RequestIdFilter;
import io.tokenmeter.starter.web.RequestIds;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RequestPredicate;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import java.net.URI;
import java.util.function.Function;

import static org.springframework.cloud.gateway.server.mvc.filter.BeforeFilterFunctions.uri;
import static org.springframework.cloud.gateway.server.mvc.handler.GatewayRouterFunctions.route;
import static org.springframework.cloud.gateway.server.mvc.handler.HandlerFunctions.http;
import static org.springframework.web.servlet.function.RequestPredicates.path;

/**
 * Spring Cloud Gateway (server MVC) routes from the public REST paths to the services. The API key has been
 * checked by {@link ApiKeyAuthenticationFilter}; the service learns the caller from a signed header, and any
 * caller header the client sent itself is replaced, so nobody can pose as someone else.
 */
@Configuration(proxyBeanMethods = false)
class ServiceRoutes {

    @Bean
    RouterFunction<ServerResponse> meteringRoutes(ServiceProperties services, CallerHeaders callers) {
        return service(
                "metering",
                services.metering(),
                callers,
                path("/api/v1/usage/**").or(path("/api/v1/events/**")).or(path("/api/v1/requests/**")));
    }

    @Bean
    RouterFunction<ServerResponse> pricingRoutes(ServiceProperties services, CallerHeaders callers) {
        return service(
                "pricing",
                services.pricing(),
                callers,
                path("/api/v1/pricing/**").or(path("/api/v1/fx/**")).or(path("/api/v1/rating/**")));
    }

    @Bean
    RouterFunction<ServerResponse> billingRoutes(ServiceProperties services, CallerHeaders callers) {
        return service(
                "billing",
                services.billing(),
                callers,
                path("/api/v1/billing/**")
                        .or(path("/api/v1/spend/**"))
                        .or(path("/api/v1/budgets/**"))
                        .or(path("/api/v1/reports/**")));
    }

    /**
     * The browser console: its own sessions and CSRF, no API key on the way in (it calls back through the gateway
     * with its user's key), so nothing is signed and no caller header passes.
     */
    @Bean
    RouterFunction<ServerResponse> consoleRoutes(ServiceProperties services, ClientAddresses addresses) {
        return route("console")
                .route(path("/console").or(path("/console/**")), http())
                .before(uri(services.console()))
                .before(request -> ServerRequest.from(request)
                        .headers(h -> {
                            h.remove(CallerHeaders.CALLER);
                            h.remove(CallerHeaders.SIGNATURE);
                            h.set(RequestIds.HEADER, RequestIdFilter.of(request.servletRequest()));
                            // the browser's address, for the console's calls back: its users' bad keys count
                            // against their own addresses, not all against the console's
                            h.set(
                                    ClientAddresses.HEADER,
                                    addresses.stamp(request.servletRequest().getRemoteAddr()));
                        })
                        .build())
                .build();
    }

    private static RouterFunction<ServerResponse> service(
            String id, URI target, CallerHeaders callers, RequestPredicate paths) {
        return route(id)
                .route(paths, http())
                .before(uri(target))
                .before(signCaller(callers))
                .build();
    }

    private static Function<ServerRequest, ServerRequest> signCaller(CallerHeaders callers) {
        return request -> {
            Caller caller = CallerFilter.callerOf(request.servletRequest());
            // signed for this request only: its method, path and body (read and bounded by the body-limit filter)
            CallerHeaders.Signed signed = callers.sign(
                    caller,
                    request.method().name(),
                    request.servletRequest().getRequestURI(),
                    CachedBodyRequest.bodyOf(request.servletRequest()));
            return ServerRequest.from(request)
                    .headers(h -> {
                        h.remove("Authorization"); // the services never see API keys
                        h.remove("x-api-key");
                        h.set(CallerHeaders.CALLER, signed.caller());
                        h.set(CallerHeaders.SIGNATURE, signed.signature());
                        h.set(RequestIds.HEADER, RequestIdFilter.of(request.servletRequest()));
                    })
                    .build();
        };
    }
}
