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

        /**
         * swagger-core keeps the Java name of a property that starts with "is" ({@code issuerId}, {@code issuedAt})
         * while the wire says {@code issuer_id}: every documented property name goes through the same translation.
         */
        @Bean
        org.springdoc.core.customizers.GlobalOpenApiCustomizer snakeCasePropertyNames() {
            return openApi -> {
                if (openApi.getComponents() == null || openApi.getComponents().getSchemas() == null) {
                    return;
                }
                openApi.getComponents().getSchemas().values().forEach(JsonAutoConfiguration::snakeCase);
            };
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void snakeCase(io.swagger.v3.oas.models.media.Schema schema) {
        java.util.Map<String, io.swagger.v3.oas.models.media.Schema> properties = schema.getProperties();
        if (properties == null) {
            return;
        }
        java.util.Map<String, io.swagger.v3.oas.models.media.Schema> renamed = new java.util.LinkedHashMap<>();
        properties.forEach((name, property) -> renamed.put(SNAKE_CASE.nameForField(null, null, name), property));
        schema.setProperties(renamed);
        if (schema.getRequired() != null) {
            schema.setRequired(((java.util.List<String>) schema.getRequired())
                    .stream()
                            .map(name -> SNAKE_CASE.nameForField(null, null, name))
                            .toList());
        }
    }

    private static final tools.jackson.databind.PropertyNamingStrategy SNAKE_CASE =
            tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE;
}
