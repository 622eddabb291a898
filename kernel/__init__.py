"""The kernel: what every service stands on — settings, the ClickHouse store, time,
Kafka administration and offset reading, the migration runner, and the reference
semantics of the contract. It imports only `schemas/`; never a service or a command."""
