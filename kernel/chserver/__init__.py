"""A local ClickHouse server over the data directory, hosted by the chdb wheel.

The chdb wheel contains clickhouse-local, which opens ClickHouse's real HTTP and native
listeners when run as the full program (`chdb._chdb.query`, see host.py). One process
hosts the engine; every other process talks to it over HTTP. The recipe and its limits:
`../shared/notes/clickhouse-local-server.md`; tests/integration/test_clickhouse_server.py
fails loudly if it stops working (it relies on a private function: chdb is pinned).

- `paths.ServerPaths`: where its data, configuration, state and log live;
- `config.render`: the configuration file it reads;
- `host`: the process itself (`python -m kernel.chserver.host`);
- `control`: start, find, stop it from other processes.
"""
