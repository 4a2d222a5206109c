-- Each service owns its database.
CREATE DATABASE gateway;
CREATE DATABASE metering;
CREATE DATABASE pricing;
CREATE DATABASE billing;
