"""WeChat's conventions, shared by the simulated Channels and mini-program back offices:
`GET /cgi-bin/token`, and errors as `errcode` in an HTTP 200 (42001 expired token,
45009 quota used up, 48001 API not authorised)."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.simulator.backoffice import BackOffice


def error(code: int, message: str) -> Response:
    return JSONResponse({"errcode": code, "errmsg": f"{message} rid: 6180a1b2-1e5f0c3d-4b1a9e27"})


def expired() -> Response:
    return error(42001, "access_token expired")


def quota() -> Response:
    return error(45009, "reach max api daily quota limit")


def unauthorized() -> Response:
    return error(48001, "api unauthorized")


def token_route(r: APIRouter, office: BackOffice, platform: str, account_of: Callable[[str, str], str | None]) -> None:
    """`GET /cgi-bin/token`: `account_of(appid, secret)` names the account the pair opens (None: refused)."""

    @r.get("/cgi-bin/token")
    async def token(appid: str = "", secret: str = "", grant_type: str = "") -> dict[str, Any]:
        account = account_of(appid, secret)
        if account is None or grant_type != "client_credential":
            return {"errcode": 40013, "errmsg": "invalid appid"}
        value, ttl = office.issue_token(platform, account)
        return {"access_token": value, "expires_in": int(ttl)}
