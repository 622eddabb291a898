"""The documented part of Kuaishou (schemas/platforms/kuaishou.md): merchant OAuth on the
kwaixiaodian open API (authorisation page -> code -> access and refresh tokens, refresh
rotating the refresh token) and the signed `open.live.shop.seller.real.uv` call, which
checks every signature and answers the merchant's room's online viewers.

The signature check is written here independently of the adapter's signing code (a
shared bug would otherwise pass unnoticed); both follow the platform's API调用说明.

Quotas (调用量限制), per Beijing day of the back offices' clock: the app's calls
(`office.kuaishou_app_quota`, 100,000 for an app before launch) and, when set, each test
user's (`office.kuaishou_user_quota`, 2,000); beyond either, `result` 1017 "Exceed quota
limit".
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from kernel.timeutil import SHANGHAI
from services.simulator.backoffice import BackOffice

P = "kuaishou"
MERCHANT_TOKENS = "kuaishou-merchant"  # the office's token scope for merchants' access tokens
REFUSED = {"result": 100200102, "error": "access_denied", "error_msg": "invalid access_token"}
OVER_QUOTA = {"result": 1017, "error": "quota_exceeded", "error_msg": "Exceed quota limit"}


def app() -> tuple[str, str, str]:
    """(appkey, app secret, sign secret) of livefest's app on the simulated open platform."""
    return "ks-livefest-sim", "sim-app-secret-kuaishou", "sim-sign-secret-kuaishou"


def signature_ok(query: dict[str, str], secret: str) -> bool:
    names = ("access_token", "appkey", "method", "param", "signMethod", "timestamp", "version")
    text = "&".join(f"{k}={query[k]}" for k in sorted(query) if k in names) + f"&signSecret={secret}"
    if query.get("signMethod") == "MD5":
        expected = hashlib.md5(text.encode()).hexdigest()  # noqa: S324
    else:
        expected = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, query.get("sign", ""))


class Grants:
    """Codes, refresh tokens and which merchant each belongs to (access tokens live in the office)."""

    def __init__(self, office: BackOffice) -> None:
        self.office = office
        self.codes: dict[str, str] = {}
        self.refresh: dict[str, str] = {}
        self.calls: dict[tuple[str, str], int] = {}  # (app or merchant, Beijing day) -> calls

    def over_quota(self, merchant: str) -> bool:
        """Count one call of the app (and of the merchant, a test user); True beyond a quota."""
        day = self.office.clock.now().astimezone(SHANGHAI).date().isoformat()
        limits = {"app": self.office.kuaishou_app_quota, merchant: self.office.kuaishou_user_quota}
        if any(limit is not None and self.calls.get((who, day), 0) >= limit for who, limit in limits.items()):
            return True
        for who in limits:
            self.calls[(who, day)] = self.calls.get((who, day), 0) + 1
        return False

    def issue(self, merchant: str) -> dict[str, Any]:
        token, ttl = self.office.issue_token(MERCHANT_TOKENS, merchant)
        refresh = secrets.token_hex(16)
        self.refresh[refresh] = merchant
        return {"result": 1, "access_token": token, "refresh_token": refresh, "expires_in": int(ttl),
                "refresh_token_expires_in": 15_552_000, "open_id": f"open-{merchant}", "scopes": ["merchant_live"]}


def routes(r: APIRouter, office: BackOffice) -> Callable[[dict[str, str]], dict[str, Any]]:
    """Adds the OAuth and real-UV routes; returns the code grant, which shares its path
    (`/oauth2/access_token`) with the simulator-only client-credentials grant."""
    grants = Grants(office)
    app_key, app_secret, sign_secret = app()

    @r.get("/oauth/authorize")
    async def authorize(app_id: str, redirect_uri: str, merchant: str, state: str = "") -> Response:
        """The authorisation page; `merchant` stands for the merchant who logs in and agrees."""
        if app_id != app_key or office.plan(P, room=merchant) is None:
            return JSONResponse({"result": 100200101, "error": "unauthorized_client"}, status_code=400)
        code = secrets.token_hex(8)
        grants.codes[code] = merchant
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

    def code_grant(params: dict[str, str]) -> dict[str, Any]:
        if (params.get("app_id"), params.get("app_secret")) != (app_key, app_secret):
            return {"result": 100200101, "error": "unauthorized_client", "error_msg": "app 非法"}
        merchant = grants.codes.pop(params.get("code", ""), None)  # a code works once
        if merchant is None:
            return {"result": 100200105, "error": "invalid_grant", "error_msg": "code 错误"}
        return grants.issue(merchant)

    @r.post("/oauth2/refresh_token")
    async def refresh(request: Request) -> dict[str, Any]:
        form = dict(parse_qsl((await request.body()).decode()))
        if (form.get("app_id"), form.get("app_secret"), form.get("grant_type")) != (
                app_key, app_secret, "refresh_token"):
            return {"result": 100200100, "error": "invalid_request", "error_msg": "缺少必要的请求参数"}
        merchant = grants.refresh.pop(form.get("refresh_token", ""), None)  # the old one is discarded
        if merchant is None:
            return {**REFUSED, "error_msg": "refreshToken.discarded"}
        return grants.issue(merchant)

    @r.get("/open/live/shop/seller/real/uv")
    async def real_uv(request: Request) -> dict[str, Any]:
        query = dict(request.query_params)
        if query.get("appkey") != app_key or not signature_ok(query, sign_secret):
            return {"result": 100200100, "error": "invalid_request", "error_msg": "签名校验失败"}
        merchant = office.token_account(MERCHANT_TOKENS, query.get("access_token"))
        if merchant is None or query.get("method") != "open.live.shop.seller.real.uv":
            return REFUSED
        if grants.over_quota(merchant):
            return OVER_QUOTA
        plan = office.plan(P, room=merchant)
        state = office.state(plan) if plan else None
        online = state.viewers_online if state is not None and state.status == "live" else 0
        return {"result": 1, "error_msg": "", "data": {"realWatchUv": online}}

    return code_grant
