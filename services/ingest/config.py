"""The adapters' configuration file (TOML, read with the standard library's tomllib):
per platform the back office's URL, credentials, poll interval, concurrency, rate limit,
timeout and retries, and the rooms to poll with the unit that claimed each one.

See deploy/ingest.example.toml (the configuration for `livefest simulate`).
"""

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from schemas.snapshot import County, Platform, Special


class RoomConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    room_id: str
    county: County
    special: Special | None = None
    # The room's own account, where every room is one (WeChat Channels); else the platform's.
    client_id: str | None = None
    client_secret: SecretStr | None = None


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
    rooms: list[RoomConfig] = []


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
    rooms: list[RoomConfig] = []


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    platforms: dict[Platform, PlatformConfig] = {}
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


def load(path: Path) -> IngestConfig:
    """Parse and validate; errors name the file and the offending key."""
    try:
        with path.open("rb") as f:
            return IngestConfig.model_validate(tomllib.load(f))
    except FileNotFoundError:
        raise SystemExit(f"ingest config {path} does not exist (see deploy/ingest.example.toml)") from None
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise SystemExit(f"ingest config {path} is invalid: {exc}") from None
