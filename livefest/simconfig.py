"""The adapters' configuration for the simulated back offices of a scripted festival
(what deploy/ingest.example.toml holds for the default `livefest simulate`)."""

from pydantic import SecretStr

from schemas.snapshot import PLATFORMS
from services.ingest.config import IngestConfig
from services.simulator.backoffice import credentials, office_of, platform_room_id
from services.simulator.festival import SessionPlan
from services.simulator.platforms import qianchuan
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
            if office_of(p) == platform
        ]
        platforms[platform] = {
            "base_url": f"{base_url.rstrip('/')}/{platform}", "client_id": client_id, "client_secret": secret,
            "poll_seconds": poll_seconds, "timeout_seconds": timeout_seconds, "topic_stats": platform == "douyin",
            "rooms": rooms,
        }
    app_id, app_secret = qianchuan.app()
    advertised = sorted((p for p in festival.plans if p.qianchuan), key=lambda p: p.room_id)
    section = {
        "base_url": f"{base_url.rstrip('/')}/qianchuan", "client_id": str(app_id), "client_secret": app_secret,
        # The simulator enforces no developer rate: 200 a second, 20 for each of ten advertisers.
        "poll_seconds": poll_seconds, "timeout_seconds": timeout_seconds, "rate_per_second": 200.0,
        "simulator_authorizes": True, "rooms": [_advertiser(p) for p in advertised],
    }
    return IngestConfig.model_validate({"platforms": platforms, "qianchuan": section})


def _advertiser(plan: SessionPlan) -> dict[str, object]:
    return {"room_id": plan.room_id, "county": plan.county, "special": plan.special,
            "advertiser_id": qianchuan.advertiser_of(plan), "aweme_id": qianchuan.aweme_of(plan)}


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
        "# Only channels, miniprogram and qianchuan are the platforms' documented APIs; the other",
        "# sections poll back offices that exist only in livefest's simulator (schemas/platforms/README.md).",
    ]
    sections = [(f"platforms.{platform}", cfg) for platform, cfg in config.platforms.items()]
    if config.qianchuan is not None:
        sections.append(("qianchuan", config.qianchuan))
    for name, cfg in sections:
        lines.append(f"\n[{name}]")
        for key, value in cfg.model_dump(exclude={"rooms"}, exclude_none=True).items():
            lines.append(f"{key} = {_value(value)}")
        for room in cfg.rooms:
            lines.append(f"\n[[{name}.rooms]]")
            for key, value in room.model_dump(exclude_none=True).items():
                lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    if isinstance(value, SecretStr):  # writing a config file is the one place a credential is revealed
        value = value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
