"""The adapters' configuration file (TOML, read with the standard library's tomllib):
per platform the back office's URL, credentials, poll interval, concurrency, rate limit,
timeout and retries, and the rooms to poll with the unit that claimed each one.

See deploy/ingest.example.toml (the configuration for `livefest simulate`).
"""

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from schemas.snapshot import County, Platform, Special


class RoomConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    room_id: str
    county: County
    special: Special | None = None
    # The room's own account, where every room is one (WeChat Channels); else the platform's.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    # Douyin rooms read through Qianchuan: the advertiser that authorised livefest, and the
    # Douyin account (抖音号) whose broadcasts are the room's.
    advertiser_id: Annotated[int, Field(gt=0)] | None = None
    aweme_id: Annotated[int, Field(gt=0)] | None = None


class PlatformConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    client_id: str
    client_secret: SecretStr  # never printed, even in a validation error
    poll_seconds: Annotated[float, Field(gt=0)] = 3.0
    concurrency: Annotated[int, Field(ge=1)] = 4
    rate_per_second: Annotated[float, Field(gt=0)] = 20.0
    timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    retries: Annotated[int, Field(ge=1)] = 4
    backoff_seconds: Annotated[float, Field(gt=0)] = 0.2
    backoff_max_seconds: Annotated[float, Field(gt=0)] = 5.0
    topic_stats: bool = False
    # The daily quota the platform granted these credentials, where it is more than the
    # documented default (an account's admin console shows it); none: the documented one.
    daily_quota: Annotated[int, Field(gt=0)] | None = None
    rooms: list[RoomConfig] = []


class QianchuanConfig(PlatformConfig):
    """Douyin rooms through Qianchuan (schemas/platforms/qianchuan.md): `client_id` and
    `client_secret` are our Ocean Engine app's `app_id` and secret; every room names the
    advertiser that authorised livefest (`livefest qianchuan-authorize`) and its Douyin
    account; `rate_per_second` is the per-API limit the developer console shows."""

    base_url: str = "https://api.oceanengine.com"
    rate_per_second: Annotated[float, Field(gt=0)] = 5.0
    # Only for `livefest simulate`: the simulator stands in for the merchants, who would
    # authorise livefest on Ocean Engine's page; the adapter asks it for their codes.
    simulator_authorizes: bool = False

    @model_validator(mode="after")
    def _rooms_name_their_accounts(self) -> "QianchuanConfig":
        if not self.client_id.isdigit():
            raise ValueError("qianchuan client_id is the Ocean Engine app_id, a number")
        for room in self.rooms:
            if room.advertiser_id is None or room.aweme_id is None:
                raise ValueError(f"qianchuan room {room.room_id}: give its advertiser_id and aweme_id")
        return self


class KuaishouUvConfig(BaseModel):
    """Kuaishou's real-time UV (the only live figure it publishes): our kwaixiaodian app and
    the merchants' rooms; each room's merchant authorises the app once (`livefest
    kuaishou-authorize`), its grant is then kept in the spool's state."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = "https://openapi.kwaixiaodian.com"
    app_key: str
    app_secret: SecretStr
    sign_secret: SecretStr
    poll_seconds: Annotated[float, Field(gt=0)] = 5.0
    # Which of kwaixiaodian's quotas apply (services/ingest/adapters/kuaishou_uv.py): merchants
    # that are the app's test users (2,000 calls a day each), an app not yet launched
    # (100,000 a day across all APIs), or a launched app with `daily_quota` granted.
    stage: Literal["test_users", "unlaunched", "launched"] = "unlaunched"
    daily_quota: Annotated[int, Field(gt=0)] | None = None
    rooms: list[RoomConfig] = []


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    platforms: dict[Platform, PlatformConfig] = {}
    qianchuan: QianchuanConfig | None = None
    kuaishou_uv: KuaishouUvConfig | None = None


def accounts(config: PlatformConfig) -> list[PlatformConfig]:
    """One configuration per account to poll: every room with credentials of its own is
    an account polled alone; the remaining rooms share the platform's credentials."""
    own = [r for r in config.rooms if r.client_id and r.client_secret]
    shared = [r for r in config.rooms if not (r.client_id and r.client_secret)]
    split = [
        config.model_copy(update={"client_id": r.client_id, "client_secret": r.client_secret, "rooms": [r]})
        for r in own
    ]
    return split + ([config.model_copy(update={"rooms": shared})] if shared or not own else [])


def advertisers(config: QianchuanConfig) -> list[QianchuanConfig]:
    """One configuration per Qianchuan advertiser: its grant serves all its rooms."""
    by_advertiser: dict[int, list[RoomConfig]] = {}
    for room in config.rooms:
        by_advertiser.setdefault(room.advertiser_id or 0, []).append(room)
    return [config.model_copy(update={"rooms": rooms}) for rooms in by_advertiser.values()]


def load(path: Path) -> IngestConfig:
    """Parse and validate; errors name the file and the offending key."""
    try:
        with path.open("rb") as f:
            return IngestConfig.model_validate(tomllib.load(f))
    except FileNotFoundError:
        raise SystemExit(f"ingest config {path} does not exist (see deploy/ingest.example.toml)") from None
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise SystemExit(f"ingest config {path} is invalid: {exc}") from None
