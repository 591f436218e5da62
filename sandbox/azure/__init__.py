"""Stand-ins for the Azure pieces the app runs on: a Functions host, a Service Bus broker
(AMQP, for the official SDK) and Azurite's Table service."""
