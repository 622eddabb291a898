"""The API's access control as clients see it: the OpenAPI schema declares the bearer
security scheme (so generated clients and /docs' "Authorize" know the API is protected),
and a presented key is compared with every configured key in constant time."""

import hmac

import pytest
from prometheus_client import CollectorRegistry

from kernel import api_keys
from kernel.settings import Settings
from services.api.main import create_app

OPEN = {"/healthz", "/metrics"}


class NoStore:
    """Building the app and its schema touches no database: any query would fail here."""

    def reader(self, limits: object, pool_size: int) -> "NoStore":
        return self


def schema(**settings: object) -> dict:  # type: ignore[type-arg]
    app = create_app(Settings(**settings), store=NoStore(), registry=CollectorRegistry())  # type: ignore[arg-type]
    return app.openapi()


def operations(openapi: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [(path, method, op) for path, item in openapi["paths"].items() for method, op in item.items()]


def test_the_schema_declares_one_bearer_scheme_and_every_v1_operation_requires_it():
    openapi = schema(api_keys="bureau-key:all")
    schemes = openapi["components"]["securitySchemes"]
    assert len(schemes) == 1
    [(name, scheme)] = schemes.items()
    assert (scheme["type"], scheme["scheme"].lower()) == ("http", "bearer")
    v1 = [(path, method, op) for path, method, op in operations(openapi) if path.startswith("/v1/")]
    assert {path for path, _, _ in v1} >= {"/v1/totals", "/v1/counties", "/v1/metrics", "/v1/imports"}
    for path, method, op in v1:
        assert op.get("security") == [{name: []}], (method, path)
    for path, method, op in operations(openapi):
        headers = [p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"]
        assert "authorization" not in headers, f"{method} {path} declares the key as a header parameter"
        if path in OPEN:
            assert "security" not in op, f"{method} {path} is open (liveness, operational metrics)"


def test_the_scheme_is_declared_even_when_the_api_runs_open():
    # Unset keys = open for local development; the schema still tells clients how to authenticate.
    assert schema()["components"]["securitySchemes"]


@pytest.mark.parametrize("presented", ["first-key", "second-key", "nobody"])
def test_every_configured_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch, presented: str):
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", recording)
    keys = api_keys.parse_api_keys("first-key:all,second-key:yingde,third-key:fogang")
    want = {"first-key": "all", "second-key": "yingde", "nobody": None}[presented]
    assert keys.scope_of(presented) == want
    # No early exit and no dict lookup: the presented key met every configured key.
    assert sorted(a for a, _ in compared) == [b"first-key", b"second-key", b"third-key"]
    assert {b for _, b in compared} == {presented.encode()}


def test_keys_never_show_in_reprs():
    keys = api_keys.parse_api_keys("bureau-secret-key:all")
    assert "bureau-secret-key" not in repr(keys) + repr(Settings(api_keys="bureau-secret-key:all"))
