package io.tokenmeter.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The topics of {@code infra/kafka/topics.txt}, created where missing. */
public final class TopicDefinitions {

    public record Topic(String name, int partitions, Map<String, String> config) {}

    private TopicDefinitions() {}

    public static List<Topic> load() {
        try (InputStream in = TopicDefinitions.class.getResourceAsStream("/tokenmeter/topics.txt")) {
            if (in == null) {
                throw new IllegalStateException("tokenmeter/topics.txt is not on the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Topic> parse(String text) {
        List<Topic> topics = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            Map<String, String> config = new HashMap<>();
            for (int i = 2; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                config.put(kv[0], kv[1]);
            }
            topics.add(new Topic(parts[0], Integer.parseInt(parts[1]), config));
        }
        return topics;
    }

    public static void createMissing(String bootstrapServers) {
        createMissing(bootstrapServers, Map.of());
    }

    /** @param client the client's security settings (a broker with SASL: the super user's) */
    public static void createMissing(String bootstrapServers, Map<String, Object> client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            for (Topic topic : load()) {
                try {
                    admin.createTopics(List.of(
                                    new NewTopic(topic.name(), topic.partitions(), (short) 1).configs(topic.config())))
                            .all()
                            .get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "cannot create topic " + topic.name() + ": "
                                        + e.getCause().getMessage(),
                                e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within 60 s", e);
        }
    }
}
