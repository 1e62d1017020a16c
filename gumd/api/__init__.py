"""Local plugin API for assistants: an HTTP API and an MCP server over ``propositions.service``."""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use, so `gumd api token` does not import Starlette, uvicorn and the MCP SDK,
# and `python -m gumd.api.openapi` runs a module the package has not imported yet.
_EXPORTS = {
    "create_app": "app",
    "ActionRunner": "controls", "DaemonControls": "controls", "ObservationSink": "controls",
    "ServiceFactory": "controls",
    "ApiError": "errors", "ServeError": "errors",
    "build_mcp": "mcp_server", "run_stdio": "mcp_server",
    "ReadPool": "pool", "ServiceSpec": "pool",
    "local_hosts": "security",
    "ApiServer": "server", "bind": "server", "serve": "server",
    "load_or_create_token": "token", "rotate_token": "token", "token_path": "token",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
