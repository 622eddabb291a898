"""WeChat's conventions, shared by the simulated Channels and mini-program back offices:
errors as `errcode` in an HTTP 200, the stable access token, and every account's daily
quota per API, as WeChat documents them (schemas/platforms/channels.md):

- `POST /cgi-bin/stable_token` {grant_type, appid, secret, force_refresh}: normal mode
  answers the appid's current token while it is valid, with the seconds it has left, and
  a new one only in its last twenty-fourth (WeChat: the last 5 minutes of 7,200 s), the
  old one staying valid until it expires; forced mode invalidates the current token at
  once and answers a new one, at most 20 times a day and 30 s apart;
- each data call of an appid counts against that API's daily quota (`daily_limit`, per
  Beijing day of the back offices' clock); beyond it: errcode 45009, until the day ends
  or `POST /cgi-bin/clear_quota` {appid} (10 times a month; then 48006);
  `POST /cgi-bin/openapi/quota/get` {cgi_path} answers {daily_limit, used, remain};
- a deliberate "slow down" is 45011 (the per-minute limit), not 45009: a daily quota
  does not come back in seconds.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response

from kernel.timeutil import SHANGHAI
from services.simulator.backoffice import BackOffice

RENEW_SHARE, RENEW_MAX_S = 1 / 24, 300.0
FORCE_PER_DAY, FORCE_SPACING_S = 20, 30.0
CLEARS_PER_MONTH = 10


def error(code: int, message: str) -> Response:
    return JSONResponse({"errcode": code, "errmsg": f"{message} rid: 6180a1b2-1e5f0c3d-4b1a9e27"})


def expired() -> Response:
    return error(42001, "access_token expired")


def minute_limit() -> Response:
    return error(45011, "api minute-quota reach limit  mostly 1000/min")


def quota() -> Response:
    return error(45009, "reach max api daily quota limit")


def unauthorized() -> Response:
    return error(48001, "api unauthorized")


class Wechat:
    """One WeChat back office's tokens and quotas. `account_of(appid, secret)` names the
    account the pair opens (None: refused); `appid_of(account)` the reverse."""

    def __init__(self, office: BackOffice, platform: str, account_of: Callable[[str, str], str | None],
                 appid_of: Callable[[str], str], paths: tuple[str, ...]) -> None:
        self.office, self.platform, self.account_of, self.appid_of, self.paths = (
            office, platform, account_of, appid_of, paths)
        self.current: dict[str, str] = {}  # appid -> its current stable token
        self.forced: dict[str, list[float]] = {}  # appid -> wall times of forced refreshes
        self.used: dict[tuple[str, str, str], int] = {}  # (appid, path, Beijing day) -> calls
        self.clears: dict[tuple[str, str], int] = {}  # (appid, month) -> clear_quota calls
        self.tokens_issued = 0

    def day(self) -> str:
        return self.office.clock.now().astimezone(SHANGHAI).date().isoformat()

    def stable_token(self, body: dict[str, Any]) -> Response:
        appid, secret = str(body.get("appid", "")), str(body.get("secret", ""))
        account = self.account_of(appid, secret)
        if account is None or body.get("grant_type") != "client_credential":
            return error(40013, "invalid appid")
        current = self.current.get(appid)
        left = self.office.token_left(self.platform, current)
        if body.get("force_refresh") is True:
            refused = self._force_refused(appid)
            if refused is not None:
                return refused
            self.office.revoke(current)
        elif left is not None and left > min(RENEW_MAX_S, self.office.token_ttl_s * RENEW_SHARE):
            return JSONResponse({"access_token": current, "expires_in": max(1, int(left))})
        value, ttl = self.office.issue_token(self.platform, account)
        self.current[appid] = value
        self.tokens_issued += 1
        return JSONResponse({"access_token": value, "expires_in": int(ttl)})

    def _force_refused(self, appid: str) -> Response | None:
        now = time.time()
        today = [t for t in self.forced.get(appid, []) if now - t < 86_400]
        if len(today) >= FORCE_PER_DAY:
            return quota()
        if today and now - today[-1] < FORCE_SPACING_S:
            return minute_limit()
        self.forced[appid] = [*today, now]
        return None

    def spend(self, account: str, path: str) -> Response | None:
        """Count one data call; 45009 once the API's quota for today is used up."""
        key = (self.appid_of(account), path, self.day())
        if self.used.get(key, 0) >= self.office.wechat_daily_quota:
            return quota()
        self.used[key] = self.used.get(key, 0) + 1
        return None

    def routes(self, r: APIRouter) -> None:
        @r.post("/cgi-bin/stable_token")
        async def stable_token(body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
            return self.stable_token(body)

        @r.post("/cgi-bin/openapi/quota/get")
        async def quota_get(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
            account = self.office.token_account(self.platform, request.query_params.get("access_token"))
            if account is None:
                return expired()
            path = body.get("cgi_path")
            if path not in self.paths:
                return error(76021, "cgi_path not found, please check")
            used = self.used.get((self.appid_of(account), str(path), self.day()), 0)
            limit = self.office.wechat_daily_quota
            return JSONResponse({"errcode": 0, "errmsg": "ok",
                                 "quota": {"daily_limit": limit, "used": used, "remain": max(0, limit - used)}})

        @r.post("/cgi-bin/clear_quota")
        async def clear_quota(request: Request, body: dict[str, Any] = Body(...)) -> Response:  # noqa: B008
            account = self.office.token_account(self.platform, request.query_params.get("access_token"))
            if account is None:
                return expired()
            appid = self.appid_of(account)
            if body.get("appid") != appid:
                return error(40013, "invalid appid")
            month = (appid, datetime.now(SHANGHAI).strftime("%Y-%m"))
            if self.clears.get(month, 0) >= CLEARS_PER_MONTH:
                return error(48006, "forbid to clear quota because of reaching the limit")
            self.clears[month] = self.clears.get(month, 0) + 1
            self.used = {k: v for k, v in self.used.items() if k[0] != appid}
            return JSONResponse({"errcode": 0, "errmsg": "ok"})
