"""The adapters' configuration for the simulated back offices of a scripted festival
(what deploy/ingest.example.toml holds for the default `livefest simulate`)."""

from pydantic import SecretStr

from schemas.snapshot import PLATFORMS
from services.ingest.config import IngestConfig
from services.simulator.backoffice import credentials, platform_room_id
from services.simulator.script import ScriptedFestival

# Where every room is an account of its own (WeChat Channels), each room has credentials.
ROOM_ACCOUNTS = ("channels",)


def simulator_config(
    festival: ScriptedFestival, base_url: str, poll_seconds: float = 2.0, timeout_seconds: float = 5.0
) -> IngestConfig:
    platforms = {}
    for platform in PLATFORMS:
        client_id, secret = credentials(platform)
        rooms = [
            {"room_id": platform_room_id(p), "county": p.county, "special": p.special,
             **_account(p.platform, p.room_id)}
            for p in sorted(festival.plans, key=lambda p: p.room_id)
            if p.platform == platform
        ]
        platforms[platform] = {
            "base_url": f"{base_url.rstrip('/')}/{platform}", "client_id": client_id, "client_secret": secret,
            "poll_seconds": poll_seconds, "timeout_seconds": timeout_seconds, "topic_stats": platform == "douyin",
            "rooms": rooms,
        }
    return IngestConfig.model_validate({"platforms": platforms})


def _account(platform: str, room_id: str) -> dict[str, str]:
    if platform not in ROOM_ACCOUNTS:
        return {}
    client_id, secret = credentials(platform, room_id)
    return {"client_id": client_id, "client_secret": secret}


def to_toml(config: IngestConfig) -> str:
    """TOML text of a config (only the types it uses: strings, numbers, booleans, tables)."""
    lines = [
        "# Adapters' configuration for `livefest ingest --config …` (TOML, read with tomllib).",
        "# Generated for the default `livefest simulate` festival: `livefest simulate --print-config`.",
        "# Per platform: the back office, credentials, poll interval, concurrency, rate limit,",
        "# timeout, retries and backoff; then every room to poll with the unit that claimed it",
        "# (and, where every room is an account of its own, WeChat Channels, the room's credentials).",
        "# Only channels and miniprogram are the platforms' documented APIs; the other sections poll",
        "# back offices that exist only in livefest's simulator (schemas/platforms/README.md).",
    ]
    for platform, cfg in config.platforms.items():
        lines.append(f"\n[platforms.{platform}]")
        for key, value in cfg.model_dump(exclude={"rooms"}).items():
            lines.append(f"{key} = {_value(value)}")
        for room in cfg.rooms:
            lines.append(f"\n[[platforms.{platform}.rooms]]")
            lines.append(f"room_id = {_value(room.room_id)}")
            lines.append(f"county = {_value(room.county)}")
            if room.special:
                lines.append(f"special = {_value(room.special)}")
            if room.client_id and room.client_secret:
                lines.append(f"client_id = {_value(room.client_id)}")
                lines.append(f"client_secret = {_value(room.client_secret)}")
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    if isinstance(value, SecretStr):  # writing a config file is the one place a credential is revealed
        value = value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
