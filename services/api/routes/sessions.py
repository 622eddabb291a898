"""GET /v1/sessions/{session_id}."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response

from kernel.clickhouse import Store
from kernel.settings import Settings
from services.api import reading
from services.api.answers import answer, json_response
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Session, errors

router = APIRouter(prefix="/v1", tags=["sessions"])

# The contract's session_id (section 1).
SESSION_ID_PATTERN = r"^[A-Za-z0-9:_.-]{1,128}$"


@router.get("/sessions/{session_id}", response_model=Session, responses=errors(400, 401, 404, 500, 503))
async def get_session(
    request: Request,
    session_id: Annotated[str, Path(pattern=SESSION_ID_PATTERN, description="the contract's session_id")],
    store: StoreDep,
    settings: SettingsDep,
    access: AccessDep,
) -> Response:
    """One broadcast session's figures, attributes and categories. A county-scoped key gets
    the same 404 for another county's session as for a missing one: it cannot learn that
    a session exists outside its county."""
    found = await answer(request, ("session", session_id), lambda: session(store, settings, session_id))
    if found is None or not access.may_read(found[0]):
        raise HTTPException(status_code=404, detail=f"no session {session_id!r}")
    return json_response(found[1])


def session(store: Store, settings: Settings, session_id: str) -> tuple[str, bytes] | None:
    """The session's county and its answer, or None."""
    wm = reading.watermark_us(store)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000)
    found = reading.session(store, query, session_id, wm)
    return None if found is None else (found.county, found.model_dump_json().encode())
