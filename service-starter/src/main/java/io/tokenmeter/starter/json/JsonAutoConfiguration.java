package io.tokenmeter.starter.json;

import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json;
import io.tokenmeter.contracts.json.WireJson;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The service's one JSON mapper is Boot's, configured with the wire settings ({@link WireJson}); components take it
 * by injection. The OpenAPI documents name properties the same way.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration")
public class JsonAutoConfiguration {

    @Bean
    JsonMapperBuilderCustomizer wireJsonSettings() {
        return WireJson::configure;
    }

    /** springdoc describes schemas with swagger-core, which has its own (Jackson 2) mapper: give it the same names. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ModelResolver.class)
    static class OpenApiNames {

        @Bean
        ModelResolver snakeCaseModelResolver() {
            return new ModelResolver(Json.mapper()
                    .copy()
                    .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE));
        }
    }
}
