"""For assistants: `gumd api` (the local HTTP API and its token) and `gumd mcp`."""

from __future__ import annotations

import sys

import click

from .. import paths
from .common import App, GumdGroup, cli, pass_app


@cli.group("api", cls=GumdGroup, invoke_without_command=True)
@click.option("--port", type=click.IntRange(1024, 65535), default=None, help="Port on 127.0.0.1 (default: api.port).")
@click.pass_context
def api_group(ctx: click.Context, port: int | None) -> None:
    """Serve the local HTTP API for assistants on 127.0.0.1 until Ctrl-C (MCP at /mcp)."""
    if ctx.invoked_subcommand is not None:
        return
    import logging

    from ..api import bind, serve
    from ..wiring import make_api_app, make_privacy

    s = ctx.ensure_object(App).settings
    paths.require_writable(s.home, "serve the API (its token lives there)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sock = bind("127.0.0.1", port or s.api.port)
    click.echo(f"gumd API on http://127.0.0.1:{sock.getsockname()[1]} (token: gumd api token)", err=True)
    serve(make_api_app(s, make_privacy(s), sock.getsockname()[1]), sock=sock)


@api_group.command("token")
@click.option("--rotate", is_flag=True, help="Make a new token; clients holding the old one get 401 once the API restarts.")
@pass_app
def api_token(app: App, rotate: bool) -> None:
    """Print the API's bearer token (made on first use, kept 0600 in the home as api_token)."""
    from ..api import load_or_create_token, rotate_token
    from ..api.token import token_path

    home = app.settings.home
    if rotate or not token_path(home).exists():  # reading a token writes nothing
        paths.require_writable(home, "write the API token")
    click.echo(rotate_token(app.settings.home) if rotate else load_or_create_token(app.settings.home))


@cli.command("mcp")
@pass_app
def mcp_cmd(app: App) -> None:
    """Serve MCP over stdin/stdout for an assistant (Claude Desktop and others); see README."""
    import logging

    from ..api import run_stdio

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)  # stdout is the protocol's
    run_stdio(lambda: app.service, allow_recent_observations=app.settings.api.allow_recent_observations,
              share_sensitive=app.settings.api.share_sensitive)


# -- the daemon --------------------------------------------------------------------
