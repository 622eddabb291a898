"""Operator commands for the platforms' credentials, registered on the main group in cli.py:
`livefest qianchuan-authorize` (keep an advertiser's Ocean Engine grant) and
`livefest wechat-clear-quota` (clear a WeChat account's used-up daily quota, so the
adapters resting on it resume)."""

import asyncio
from pathlib import Path

import click

from kernel.settings import get_settings


def _spool():  # type: ignore[no-untyped-def]
    from services.ingest.runtime import spool_path
    from services.ingest.spool import Spool

    return Spool(spool_path(get_settings()))


@click.command("qianchuan-authorize")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True,
              help="The adapters' config with its [qianchuan] section.")
@click.option("--advertiser", "advertiser_id", type=int, required=True,
              help="The Qianchuan advertiser (advertiser_id) the merchant authorised, as configured.")
@click.option("--code", "auth_code", required=True,
              help="The auth_code of the authorisation redirect (valid 10 minutes).")
def qianchuan_authorize(config_path: Path, advertiser_id: int, auth_code: str) -> None:
    """Exchange a merchant's Ocean Engine auth_code for its advertiser's grant, kept in the
    adapters' spool (0600) so `livefest ingest` reads the advertiser's Douyin rooms through
    Qianchuan and refreshes the grant before it expires."""
    import httpx

    from services.ingest.adapters.api import AuthRejected, Retryable
    from services.ingest.adapters.qianchuan_api import QianchuanApi
    from services.ingest.adapters.qianchuan_oauth import GrantToken, OceanApp
    from services.ingest.client import PlatformClient
    from services.ingest.config import advertisers, load
    from services.ingest.metrics import IngestMetrics

    cfg = load(config_path).qianchuan
    account = next((a for a in advertisers(cfg) if a.rooms[0].advertiser_id == advertiser_id), None) if cfg else None
    if cfg is None or account is None:
        raise click.ClickException(f"{config_path}: no room of advertiser {advertiser_id} under [qianchuan]")
    spool = _spool()
    app = OceanApp(cfg.base_url.rstrip("/"), int(cfg.client_id), cfg.client_secret.get_secret_value())
    source = GrantToken(app, advertiser_id, spool)

    async def exchange() -> list[int]:
        async with httpx.AsyncClient() as http:
            api = QianchuanApi(advertiser_id, {r.aweme_id or 0: r.room_id for r in account.rooms})
            client = PlatformClient(api, account, http, IngestMetrics.create(registry=_registry()), source)
            return list((await source.authorize(client.call, auth_code)).advertiser_ids)

    try:
        covered = asyncio.run(exchange())
    except (AuthRejected, Retryable, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        spool.close()
    click.echo(f"qianchuan advertiser {advertiser_id}: authorised (the grant covers {covered}); "
               f"kept in {spool.path}")


@click.command("wechat-clear-quota")
@click.option("--config", "config_path", type=click.Path(path_type=Path), required=True,
              help="The adapters' config.")
@click.option("--platform", type=click.Choice(["channels", "miniprogram"]), required=True)
@click.option("--room", default=None, help="The Channels room whose account to clear (every room is an account).")
def wechat_clear_quota(config_path: Path, platform: str, room: str | None) -> None:
    """Clear a WeChat account's daily API counts (clear_quota; WeChat allows 10 a month) and
    let the adapters resting on its used-up quota resume at their next cycle."""
    import httpx

    from services.ingest.adapters import apis, wechat
    from services.ingest.adapters.api import AuthRejected, Retryable
    from services.ingest.budget import exhausted_key
    from services.ingest.client import PlatformClient
    from services.ingest.config import accounts, load
    from services.ingest.metrics import IngestMetrics
    from services.ingest.tokens import Tokens

    cfg = load(config_path).platforms.get(platform)  # type: ignore[call-overload]
    chosen = [a for a in accounts(cfg) if room is None or room in {r.room_id for r in a.rooms}] if cfg else []
    if len(chosen) != 1:
        raise click.ClickException(f"{config_path}: name one {platform} account (--room for channels)")
    account, spool = chosen[0], _spool()

    async def clear() -> None:
        async with httpx.AsyncClient() as http:
            source = Tokens(spool).stable(account.base_url, account.client_id,
                                          account.client_secret.get_secret_value())
            client = PlatformClient(apis()[platform], account, http, IngestMetrics.create(registry=_registry()), source)
            await wechat.clear_quota(client.call, account.client_id)

    try:
        asyncio.run(clear())
        spool.set(exhausted_key(platform, account.client_id), "")
    except (AuthRejected, Retryable, httpx.HTTPError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        spool.close()
    click.echo(f"{platform} account {account.client_id}: quota cleared; its adapters resume at their next cycle")


def _registry():  # type: ignore[no-untyped-def]
    from prometheus_client import CollectorRegistry

    return CollectorRegistry()  # the command's own: it exports nothing
