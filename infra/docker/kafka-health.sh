#!/bin/sh
# The compose broker's health check: it answers the super user over SASL (it refuses anyone else).
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
  "$TOKENMETER_KAFKA_ADMIN_PASSWORD" > /tmp/health.properties
exec /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 --command-config /tmp/health.properties > /dev/null 2>&1
