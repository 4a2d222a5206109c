#!/bin/sh
# Sets up the compose broker: the topics of infra/kafka/topics.txt (mounted at /topics.txt), the services' SCRAM users,
# and what each may do (the same ACLs as infra/local-stack's KafkaSecurity). Runs as the super user admin, over PLAIN.
set -eu
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${TOKENMETER_KAFKA_ADMIN_PASSWORD}";
PROPS
bin=/opt/kafka/bin
grep -v '^[[:space:]]*#' /topics.txt | while read -r name partitions configs; do
  [ -n "${name:-}" ] || continue
  args=""
  for c in $configs; do args="$args --config $c"; done
  # shellcheck disable=SC2086
  $bin/kafka-topics.sh --bootstrap-server kafka:9092 --command-config /tmp/admin.properties --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1 $args
done
for user in gateway metering billing; do
  password=$(eval echo "\$TOKENMETER_KAFKA_$(echo "$user" | tr a-z A-Z)_PASSWORD")
  $bin/kafka-configs.sh --bootstrap-server kafka:9092 --command-config /tmp/admin.properties --alter \
    --add-config "SCRAM-SHA-256=[iterations=8192,password=$password]" --entity-type users --entity-name "$user"
done
acl() {
  user=$1
  shift
  $bin/kafka-acls.sh --bootstrap-server kafka:9092 --command-config /tmp/admin.properties --add --allow-principal "User:$user" "$@"
}
acl gateway --operation Write --topic usage-events.v1
acl gateway --operation Write --topic tenants.v1
acl gateway --operation Write --topic tenant-keys.v1
acl metering --operation Read --topic usage-events.v1 --group metering-service
acl metering --operation Write --topic usage-events.v1.dlt
acl billing --operation Read --topic tenants.v1 --group billing-service-profiles
acl billing --operation Read --topic tenant-keys.v1 --group billing-service-tenant-keys
acl billing --operation Read --topic usage-events.v1 --group billing-service-budget-charges
acl billing --operation Write --topic budget-alerts.v1
