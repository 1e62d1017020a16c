"""`gumd service`: run the daemon in the background (launchd on macOS, systemd on Linux)."""

from __future__ import annotations

import click

from .common import App, GumdGroup, cli, pass_app


@cli.group("service", cls=GumdGroup)
def service_group() -> None:
    """The background service: a launchd agent (macOS) or a systemd user unit (Linux)."""


@service_group.command("install")
@pass_app
def service_install(app: App) -> None:
    """Write the service file for this home and this Python, and start it."""
    from .. import autostart

    path = autostart.install(app.settings.home)
    click.echo(f"Installed and started: {path}")


@service_group.command("uninstall")
def service_uninstall() -> None:
    """Stop the service and delete its file."""
    from .. import autostart

    click.echo("Removed." if autostart.uninstall() else "Not installed; nothing to do.")


@service_group.command("start")
def service_start() -> None:
    """Start the installed service (on macOS this restarts a running daemon)."""
    from .. import autostart

    autostart.start()
    click.echo("Started.")


@service_group.command("stop")
def service_stop() -> None:
    """Stop the service until the next login or `gumd service start`."""
    from .. import autostart

    autostart.stop()
    click.echo("Stopped.")


@service_group.command("status")
def service_status() -> None:
    """Installed? loaded? running?"""
    from .. import autostart

    click.echo(autostart.status().line())
