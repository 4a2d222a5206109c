#!/bin/sh
# Each service owns its database: <db>_owner owns it and runs the migrations, <db>_app is what the service connects as
# and owns nothing (it can neither drop nor disable the triggers that keep history immutable). Both take
# TOKENMETER_DB_PASSWORD here; give each its own in production.
set -eu
for db in gateway metering pricing billing; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE ${db}_owner LOGIN PASSWORD '${TOKENMETER_DB_PASSWORD}';
CREATE ROLE ${db}_app LOGIN PASSWORD '${TOKENMETER_DB_PASSWORD}';
CREATE DATABASE ${db} OWNER ${db}_owner;
REVOKE ALL ON DATABASE ${db} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${db}_app;
SQL
done
