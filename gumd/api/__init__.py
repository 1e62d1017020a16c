"""Local plugin API for assistants: an HTTP API and an MCP server over ``propositions.service``."""

from __future__ import annotations

from propositions.lazy import lazy_attributes

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

__getattr__ = lazy_attributes(__name__, _EXPORTS)
