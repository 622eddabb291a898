"""GET /v1/sessions/{session_id}."""

from fastapi import APIRouter, HTTPException

from services.api import reading
from services.api.deps import AccessDep, SettingsDep, StoreDep
from services.api.models import Session

router = APIRouter(prefix="/v1", tags=["sessions"])


@router.get("/sessions/{session_id}", response_model=Session, responses={404: {}})
def get_session(
    session_id: str, store: StoreDep, settings: SettingsDep, access: AccessDep
) -> Session:
    """One broadcast session's figures, attributes and categories."""
    wm = reading.watermark_us(store)
    query = reading.filters(wm, settings.stale_after_seconds * 1_000_000)
    found = reading.session(store, query, session_id, wm)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no session {session_id!r}")
    access.check_county(found.county)
    return found
