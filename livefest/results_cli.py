"""The Commerce Bureau's commands: `livefest report`, `livefest reconcile`, `livefest rebuild`.

Registered on the main group in livefest/cli.py. With the embedded engine (chdb), these
open the data directory themselves: run them while `livefest up` is stopped, or point
LIVEFEST_CLICKHOUSE at a ClickHouse server.
"""

import click

from livefest.settings import get_settings


@click.command()
def rebuild() -> None:
    """Recompute every derived table from the raw stores (identical figures afterwards)."""
    from livefest.clickhouse import Store
    from livefest.migrate import migrate
    from livefest.rebuild import rebuild as run_rebuild

    store = Store(get_settings().clickhouse_dsn)
    migrate(store)
    for table in run_rebuild(store):
        click.echo(f"rebuilt {table.target} from the SELECT of {table.view}")
