package io.tokenmeter.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Who may use the broker, and for what. Every client authenticates (SASL): the services with SCRAM-SHA-256 as users of
 * their own, the launcher and the broker itself with PLAIN as the super user {@code admin}, whose password is in the
 * broker's own configuration. The broker's authorizer then lets each service do only its part: only the gateway writes
 * usage events (and tenant profiles and tenant keys); metering reads them and writes the dead-letter topic; billing
 * reads tenant profiles and keys, reads the usage events' budget charges, and writes budget alerts. Anyone else who
 * reaches the broker can bill nothing to anybody.
 *
 * @param adminPassword the super user's
 * @param passwords     each service user's ({@code gateway}, {@code metering}, {@code billing})
 */
public record KafkaSecurity(String adminPassword, Map<String, String> passwords) {

    public static final String SCRAM = "SCRAM-SHA-256";
    /** The users of the services, by the service they run in. */
    public static final Map<String, String> USERS =
            Map.of("api-gateway", "gateway", "metering-service", "metering", "billing-service", "billing");

    private record Grant(String user, ResourceType type, String name, AclOperation operation) {}

    /** What each service may do, and nothing else. */
    private static final List<Grant> GRANTS = List.of(
            new Grant("gateway", ResourceType.TOPIC, "usage-events.v1", AclOperation.WRITE),
            new Grant("gateway", ResourceType.TOPIC, "tenants.v1", AclOperation.WRITE),
            new Grant("gateway", ResourceType.TOPIC, "tenant-keys.v1", AclOperation.WRITE),
            new Grant("metering", ResourceType.TOPIC, "usage-events.v1", AclOperation.READ),
            new Grant("metering", ResourceType.GROUP, "metering-service", AclOperation.READ),
            new Grant("metering", ResourceType.TOPIC, "usage-events.v1.dlt", AclOperation.WRITE),
            new Grant("billing", ResourceType.TOPIC, "tenants.v1", AclOperation.READ),
            new Grant("billing", ResourceType.GROUP, "billing-service-profiles", AclOperation.READ),
            new Grant("billing", ResourceType.TOPIC, "tenant-keys.v1", AclOperation.READ),
            new Grant("billing", ResourceType.GROUP, "billing-service-tenant-keys", AclOperation.READ),
            // billing owns budgets: it books the budget charges the usage events carry, and publishes the alerts
            new Grant("billing", ResourceType.TOPIC, "usage-events.v1", AclOperation.READ),
            new Grant("billing", ResourceType.GROUP, "billing-service-budget-charges", AclOperation.READ),
            new Grant("billing", ResourceType.TOPIC, "budget-alerts.v1", AclOperation.WRITE));

    /** The super user's client settings, for the launcher's topics, users and ACLs and for tools and tests. */
    public Map<String, Object> adminClient() {
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "PLAIN",
                "sasl.jaas.config",
                plainJaas("admin", adminPassword) + ";");
    }

    /** A service user's client settings. */
    public Map<String, Object> client(String user) {
        return Map.of(
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", SCRAM, "sasl.jaas.config", scramJaas(user));
    }

    public String scramJaas(String user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + passwords.get(user) + "\";";
    }

    static String plainJaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                + password + "\"";
    }

    /**
     * The broker's listener settings: SASL on both listeners, PLAIN for the super user, SCRAM for the services, ACLs
     * on.
     */
    List<String> brokerConfig(int port, int controllerPort) {
        String adminJaas = plainJaas("admin", adminPassword) + " user_admin=\"" + adminPassword + "\";";
        return List.of(
                "listeners=SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=SASL_PLAINTEXT://127.0.0.1:" + port,
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=" + SCRAM + ",PLAIN",
                "sasl.mechanism.inter.broker.protocol=PLAIN",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + adminJaas,
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=" + adminJaas,
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:admin");
    }

    /** Creates or updates the service users and their ACLs; run at every start (both are idempotent). */
    public void provision(String bootstrapServers) {
        Map<String, Object> config = new HashMap<>(adminClient());
        config.put("bootstrap.servers", bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            List<org.apache.kafka.clients.admin.UserScramCredentialAlteration> users = new ArrayList<>();
            passwords.forEach((user, password) -> users.add(new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), password)));
            admin.alterUserScramCredentials(users).all().get(60, TimeUnit.SECONDS);
            List<AclBinding> acls = new ArrayList<>();
            for (Grant grant : GRANTS) {
                acls.add(new AclBinding(
                        new ResourcePattern(grant.type(), grant.name(), PatternType.LITERAL),
                        new AccessControlEntry(
                                "User:" + grant.user(), "*", grant.operation(), AclPermissionType.ALLOW)));
            }
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    "cannot provision Kafka users and ACLs at " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }
}
