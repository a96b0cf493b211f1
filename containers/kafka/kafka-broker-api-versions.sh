#!/bin/sh
# The tool of the same name in the Kafka distribution (and in apache/kafka), which the
# compose file's health check runs.
exec java -Xmx128m -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.xml \
	-cp '/opt/kafka/libs/*' org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
