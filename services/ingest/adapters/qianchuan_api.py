"""Polling Douyin rooms through Qianchuan (schemas/platforms/qianchuan.md).

One poller per Qianchuan advertiser that authorised livefest (its OAuth grant,
`qianchuan_oauth.GrantToken`, shared by every poller of the advertiser). A cycle lists,
for each configured Douyin account (`aweme_id`) of the advertiser, the broadcasts begun
on the platform's current day (and, in the first hour after midnight, the day before:
one may have begun just before it), every page of them, with their figures
(`qianchuan.ROOMS`); then reads the product count of each broadcast not yet ended
(`qianchuan.PRODUCTS`).

The platform's day is the platform's: our estimate (its clock as its last `Date` showed
it) is checked against the first answer's `Date`, and the lists are asked again for the
right days when it was wrong (just after midnight, after a long pause). A broadcast seen
live is followed to its end even when it began before yesterday (the adapter was down for
a day, say): its start day is kept in the adapters' state (`followed`) until it is seen
ended, for at most FOLLOW_DAYS; and the first cycle after a start lists the last
FOLLOW_DAYS days, so that an adapter started late still collects the final figures of the
broadcasts that ran without it.

Quota: Ocean Engine publishes no numbers. Each developer has a per-API limit set in its
developer console (频控管理), answered with code 40110 when exceeded; 40100 is the
platform-wide limit, 40130 the one for inactive accounts. Configure `rate_per_second` to
the console's number: the poll interval follows from it and the rooms polled, and any of
the three answers is backed off from.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from kernel.timeutil import SHANGHAI
from services.ingest.adapters import qianchuan, qianchuan_oauth
from services.ingest.adapters.api import (
    AuthRejected,
    BaseApi,
    Caller,
    Dated,
    Listing,
    MalformedPayload,
    Unreachable,
    parse_listing,
)
from services.ingest.adapters.common import decimal_json, platform_day
from services.ingest.adapters.qianchuan_oauth import GrantToken, grant_key
from services.ingest.quota import Quota

MAX_PAGES = 20  # 2,000 broadcasts of one account in a day: a list longer than that is not believed
FOLLOW_DAYS = 7  # no broadcast lasts longer: a start day older than this is forgotten
AFTER_MIDNIGHT = timedelta(hours=1)  # yesterday's list is read this long into the day
class Store(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...


class _Memory(dict[str, str]):
    """The state of an adapter run without a spool (a test, a one-off command)."""

    def set(self, name: str, value: str) -> None:
        self[name] = value


QUOTA = Quota(
    None, "per_api",
    "Ocean Engine 频控: per developer and API, shown in the developer console (频控管理); codes 40100, 40110, 40130",
    note="set rate_per_second to the developer console's number",
)


class QianchuanApi(BaseApi):
    """`rooms` maps each configured Douyin account (`aweme_id`) of the advertiser to its
    livefest room; `per_second` is the developer's per-API limit (the console's number)."""

    platform = qianchuan.PLATFORM
    documented = True
    tokens = "ocean_grant"

    def __init__(self, advertiser_id: int, rooms: Mapping[int, str], per_second: float | None = None,
                 store: Store | None = None) -> None:
        self.advertiser_id = advertiser_id
        self.rooms = dict(rooms)
        self.quota = QUOTA if per_second is None else Quota(None, QUOTA.scope, QUOTA.reference, per_second, QUOTA.note)
        self.store: Store = store if store is not None else _Memory()
        self.followed_key = f"qianchuan:followed:{advertiser_id}"
        self.caught_up = False  # whether a cycle since the start listed the last FOLLOW_DAYS days

    def normalize(self, raw: Mapping[str, Any], *args: Any) -> Any:
        return qianchuan.normalize(raw, *args)

    def authorize(self, params: dict[str, Any], headers: dict[str, str], token: str) -> None:
        headers["Access-Token"] = token

    def unwrap(self, body: Any) -> Any:
        return qianchuan_oauth.unwrap(body)

    def decode(self, body: bytes) -> Any:
        return decimal_json(body)

    def calls_per_cycle(self, rooms: int) -> dict[str, int]:
        # At most two days of lists per account (one page each, for a handful of broadcasts),
        # and the product count of each live broadcast.
        return {qianchuan.ROOMS: 2 * len(self.rooms), qianchuan.PRODUCTS: len(self.rooms)}

    async def listings(self, call: Caller, now: datetime) -> list[Listing | MalformedPayload]:
        local = now.astimezone(SHANGHAI)
        today = local.date()
        early = local - datetime(today.year, today.month, today.day, tzinfo=SHANGHAI) < AFTER_MIDNIGHT
        found, answered = await self._lists(call, self._wanted(today, early))
        if answered is not None and answered != today:  # our estimate of the platform's day was off
            found, _ = await self._lists(call, self._wanted(answered, True))
        self._follow(found, answered or today)
        self.caught_up = True
        return list(found.values())

    def _wanted(self, today: date, early: bool) -> list[tuple[int, date]]:
        """(aweme, day) to list: today for every account (and yesterday `early` in the day;
        the last FOLLOW_DAYS days at the first cycle), and the start day of every broadcast
        followed to its end."""
        back = FOLLOW_DAYS if not self.caught_up else 1 if early else 0
        days = [today - timedelta(days=n) for n in range(back, -1, -1)]
        wanted = [(aweme, day) for aweme in self.rooms for day in days]
        for aweme, day in self.followed().values():
            if aweme in self.rooms and (aweme, day) not in wanted and today - day <= timedelta(days=FOLLOW_DAYS):
                wanted.append((aweme, day))
        return wanted

    async def _lists(self, call: Caller, wanted: list[tuple[int, date]]) -> tuple[dict[str, Any], date | None]:
        found: dict[str, Listing | MalformedPayload] = {}
        answered: date | None = None
        for aweme_id, day in wanted:
            listings, when = await self._day(call, aweme_id, self.rooms[aweme_id], day)
            answered = answered or when
            for listing in listings:
                found[listing.live_id if isinstance(listing, Listing) else f"bad-{len(found)}"] = listing
        return found, answered

    def followed(self) -> dict[str, tuple[int, date]]:
        """Broadcasts seen live and not yet seen ended: room id -> (aweme, start day)."""
        kept = json.loads(self.store.get(self.followed_key) or "{}")
        return {room: (int(aweme), date.fromisoformat(day)) for room, (aweme, day) in kept.items()}

    def _follow(self, found: Mapping[str, Listing | MalformedPayload], today: date) -> None:
        kept = {room: (aweme, day) for room, (aweme, day) in self.followed().items()
                if today - day <= timedelta(days=FOLLOW_DAYS)}
        for listing in found.values():
            if isinstance(listing, Listing) and listing.row is not None:
                status = qianchuan.session_status(listing.row["item"])
                if status == "ended":
                    kept.pop(listing.live_id, None)
                elif status == "live":
                    kept[listing.live_id] = (listing.row["aweme_id"], date.fromisoformat(listing.row["day"]))
        text = json.dumps({room: [aweme, day.isoformat()] for room, (aweme, day) in sorted(kept.items())})
        if text != self.store.get(self.followed_key):
            self.store.set(self.followed_key, text)

    async def _day(self, call: Caller, aweme_id: int, room_id: str,
                   day: date) -> tuple[list[Listing | MalformedPayload], date | None]:
        """Every page of one account's broadcasts begun on `day`, and the platform's day
        when it answered (from the first answer's `Date`)."""
        found: list[Listing | MalformedPayload] = []
        page, pages, answered = 1, 1, None
        while page <= min(pages, MAX_PAGES):
            answer: Dated = await call("GET", qianchuan.ROOMS, dated=True,
                                       params=qianchuan.rooms_query(self.advertiser_id, aweme_id, day, page))
            answered = answered or platform_day(answer.date)
            items, pages = qianchuan.rooms_page(answer.payload)
            found += [parse_listing(lambda i=item, d=answer.date: _listing(i, aweme_id, room_id, d, day))  # type: ignore[misc]
                      for item in items]
            page += 1
        if pages > MAX_PAGES:
            found.append(MalformedPayload(f"aweme {aweme_id} on {day}: {pages} pages of broadcasts, read {MAX_PAGES}",
                                          "list_truncated"))
        return found, answered

    async def detail(self, call: Caller, listing: Listing) -> Mapping[str, Any]:
        """The record `qianchuan.normalize` reads: the listed item, its room, its product count."""
        assert listing.row is not None
        data = await call("GET", qianchuan.PRODUCTS, params=qianchuan.products_query(
            self.advertiser_id, int(listing.live_id)))
        return {**listing.row, "products": qianchuan.product_count(data)}


def _listing(item: Any, aweme_id: int, room_id: str, answered: str | None, day: date) -> Listing:
    listed = item.get("aweme_id", aweme_id) if isinstance(item, Mapping) else aweme_id
    if listed != aweme_id:
        raise MalformedPayload(f"room_list item of aweme {listed!r} in the list of aweme {aweme_id}")
    status = qianchuan.session_status(item)
    return Listing(room_id=room_id, live=status is not None, live_id=str(qianchuan.room_id_of(item)),
                   row={"item": item, "room_id": room_id, "answered_at": answered, "aweme_id": aweme_id,
                        "day": day.isoformat()})




# livefest's simulator only: its stand-in for Ocean Engine's authorisation page, where the
# merchant (here: `advertiser_id`) logs in and agrees; it redirects with an auth_code.
SIMULATED_AUTHORIZE = "/openapi/qc/audit/oauth.html"


async def simulated_authorisation(http: httpx.AsyncClient, call: Caller, source: GrantToken) -> None:
    """For `livefest simulate` only: get the advertiser's grant the way a merchant would
    give it, by the simulator's authorisation page and the documented code grant. Nothing
    is done when the grant is already kept."""
    if source.store.get(grant_key(source.advertiser_id)) is not None:
        return
    query = {"app_id": str(source.app.app_id), "advertiser_id": str(source.advertiser_id), "state": "livefest",
             "redirect_uri": "https://livefest.invalid/qianchuan/authorized"}
    try:
        response = await http.get(source.app.base_url + SIMULATED_AUTHORIZE, params=query, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise Unreachable("connection", f"the simulator's authorisation page: {exc}") from exc
    codes = parse_qs(urlsplit(response.headers.get("location", "")).query).get("auth_code")
    if response.status_code != 302 or not codes:
        raise AuthRejected(f"the simulator did not authorise advertiser {source.advertiser_id}: {response.text}")
    await source.authorize(call, codes[0])


class SimulatedGrantToken(GrantToken):
    """livefest's simulator only: a grant obtained by `simulated_authorisation` the first
    time a token is needed (the simulator may start after the adapters)."""

    def __init__(self, app: Any, advertiser_id: int, store: Any, http: httpx.AsyncClient) -> None:
        super().__init__(app, advertiser_id, store)
        self.http = http

    async def token(self, call: Caller) -> str:
        if self.store.get(grant_key(self.advertiser_id)) is None:
            await simulated_authorisation(self.http, call, self)
        return await super().token(call)
