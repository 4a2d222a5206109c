#!/bin/sh
# Creates the topics of infra/kafka/topics.txt (mounted at /topics.txt) on the compose broker.
set -eu
grep -v '^[[:space:]]*#' /topics.txt | while read -r name partitions configs; do
  [ -n "${name:-}" ] || continue
  args=""
  for c in $configs; do args="$args --config $c"; done
  # shellcheck disable=SC2086
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:9092 --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor 1 $args
done
