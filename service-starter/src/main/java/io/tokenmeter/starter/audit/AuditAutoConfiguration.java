package io.tokenmeter.starter.audit;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/** The audit trail, where the service has a database, and its endpoint where the service names a path. */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
            "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"
        })
@ConditionalOnClass(JdbcClient.class)
public class AuditAutoConfiguration {

    @Bean
    @ConditionalOnBean(JdbcClient.class)
    AdminAudit adminAudit(JdbcClient jdbc, JsonMapper json) {
        return new AdminAudit(jdbc, json);
    }

    /** The admins' read of the trail, where the service names a path for it. */
    @Bean
    @ConditionalOnBean(AdminAudit.class)
    @ConditionalOnProperty("tokenmeter.audit.path")
    AuditController auditController(AdminAudit audit) {
        return new AuditController(audit);
    }
}
