"""What `livefest import` needs to refuse rows whose session belongs elsewhere (contract 1.1)
before it publishes anything: the store's owners of the report's sessions.

It reads them from the store the environment means, as `livefest status` does. When that
is the embedded engine and a single-process `livefest up` holds it (one process at a time),
the report goes through that process's API instead (`POST /v1/imports`, which makes the
same checks) with a local key of the right scope. Without any store to ask, nothing is
published: the check cannot be skipped.
"""

from pathlib import Path
from typing import Any

import click
import httpx

from kernel.clickhouse import Store, StoreError, StoreUnavailable
from kernel.settings import Settings
from kernel.store_access import NoData, open_for_reading
from kernel.store_target import resolve
from services.ingest import county

CONTENT_TYPES = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def sessions_elsewhere(settings: Settings, report: county.Report, file: Path, only: str | None,
                       mapping: str | None = None) -> list[county.Problem] | None:
    """The rows of `report` whose session belongs elsewhere; None when the embedded engine is
    held by a single-process `livefest up`, and the file went through its API instead (its
    answer printed; ClickException when refused)."""
    store = owners_store(settings)
    if store is None:
        upload_through_api(settings, file, only, mapping)
        return None
    try:
        return county.check_owners(store, report)
    finally:
        store.close()


def owners_store(settings: Settings) -> Store | None:
    """The store to read owners from; None when the embedded engine is held by another process."""
    target = resolve(settings)
    try:
        return open_for_reading(target, need_snapshots=False)
    except NoData as exc:
        raise click.ClickException(f"cannot check which sessions belong elsewhere: {exc}; nothing was published") \
            from None
    except (StoreUnavailable, StoreError) as exc:
        if target.embedded:
            return None
        raise click.ClickException(f"cannot check which sessions belong elsewhere: {target.describe()} is "
                                   f"unavailable ({exc}); nothing was published") from None


def upload_through_api(settings: Settings, file: Path, only: str | None, mapping: str | None = None) -> None:
    """POST the file to the running API (its answer printed; ClickException when refused), with
    the mapping `--mapping` gave: a mapping file as the multipart `mapping` part, a shipped
    mapping by name as `?mapping=`."""
    url = f"http://{settings.api_host}:{settings.api_port}/v1/imports"
    keys = settings.api_key_set
    key = (keys.first_with_scope(only) if only else None) or keys.first_with_scope("all")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    kind = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
    request: dict[str, Any] = {"content": file.read_bytes(), "headers": {**headers, "Content-Type": kind}}
    if mapping is not None and Path(mapping).is_file():
        request = {"headers": headers, "files": {"report": (file.name, file.read_bytes(), kind),
                                                 "mapping": (Path(mapping).name, Path(mapping).read_bytes())}}
    elif mapping is not None:
        request["params"] = {"mapping": mapping}
    try:
        response = httpx.post(url, timeout=60, **request)
    except httpx.HTTPError as exc:
        raise click.ClickException(
            f"the embedded ClickHouse engine is in use by another process and its API at {url} does not answer "
            f"({exc}); is `livefest up` running? Nothing was published") from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code != 200:
        for problem in body.get("problems", []):
            where = f"row {problem['row']}" + (f", {problem['column']}" if problem.get("column") else "")
            click.echo(f"{file}: {where}: {problem['value']!r} {problem['problem']}", err=True)
        raise click.ClickException(f"{file}: {body.get('error', response.text[:300])} (through the API at {url})")
    click.echo(f"{file}: published {body['published']} snapshot(s) of {len(body['sessions'])} session(s) "
               f"through the API at {url}")
