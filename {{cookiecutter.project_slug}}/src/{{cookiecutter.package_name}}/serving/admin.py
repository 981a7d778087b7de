"""The admin route: reload the production model now; disabled unless a token is configured."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from .deps import StateDep
from .handlers import json_response
from .schemas import ErrorBody, ReloadResult

router = APIRouter()
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong `Authorization: Bearer` token."},
    404: {"model": ErrorBody, "description": "Disabled: no CHURN_ADMIN_TOKEN is configured."},
}


@router.post(
    "/admin/reload",
    response_model=ReloadResult,
    response_model_exclude_none=True,
    tags=["admin"],
    summary="Reload the production model now",
    responses=_REFUSALS,
)
async def reload_model(request: Request, state: StateDep) -> Response:
    """Load the version the production pointer names and swap it in if it loads.

    A version that fails to load is refused and the current model keeps serving.
    """
    token = state.settings.admin_token
    if token is None:
        raise HTTPException(404, "Not Found")
    expected = f"Bearer {token.get_secret_value()}".encode()
    given = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(given, expected):
        raise HTTPException(401, "a valid admin token is required", {"WWW-Authenticate": "Bearer"})
    outcome = await state.reloader.reload_now()
    service = state.service
    answer: dict[str, Any] = {"outcome": outcome}
    if service.model is not None:
        answer["model_version"] = service.model.version
    reason = service.reload_error if service.model is not None else service.error
    if outcome == "refused":
        answer["reason"] = reason
    return json_response(answer)
