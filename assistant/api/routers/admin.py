"""``POST /api/admin/reload``: rebuild or reload the index in the background and switch to it.

Guarded by the API key when one is set. Without a key it is refused (403) unless both the server's address and the
client's are loopback: an unguarded reload is only offered to the machine itself.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from mlnotes.assistant.api.deps import SettingsDep
from mlnotes.assistant.api.reload import index_version

router = APIRouter(prefix="/admin", tags=["admin"])


def _loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


@router.post("/reload", status_code=202, summary="Reload the index in the background (key, or loopback only)",
             responses={403: {"description": "no API key is set and the server or client is not on loopback"},
                        503: {"description": "this app cannot reload (no reloader configured)"}})
def reload(request: Request, settings: SettingsDep) -> JSONResponse:
    if not settings.api_key:
        server = (request.scope.get("server") or (None,))[0]
        client = request.client.host if request.client else None
        if not (_loopback(server) and _loopback(client)):
            raise HTTPException(403, "reload without MLNOTES_API_KEY is only allowed on a server bound to loopback, "
                                     "from loopback; set MLNOTES_API_KEY to reload remotely")
    reloader = getattr(request.app.state, "reloader", None)
    if reloader is None:
        raise HTTPException(503, "this app was started without a reloader; restart it to load a new index")
    started = reloader.start()
    return JSONResponse({"status": "reloading" if started else "already reloading",
                         "served_version": index_version(getattr(request.app.state, "index", None))},
                        status_code=202)
