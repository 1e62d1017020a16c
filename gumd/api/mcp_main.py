"""``python -m gumd.api.mcp_main``: the MCP server over stdio on the database of ``$GUMD_HOME``."""

from __future__ import annotations

import argparse
import logging
import sys

from propositions.errors import GumdError

from gumd import settings as settings_mod
from gumd.wiring import make_service

from .mcp_server import run_stdio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gumd.api.mcp_main", description=__doc__)
    parser.add_argument("--allow-recent-observations", action="store_true",
                        help="let the recent_activity tool read raw observations")
    parser.add_argument("--share-sensitive", action="store_true",
                        help="also give out propositions the privacy audit flagged sensitive "
                             "(or set api.share_sensitive)")
    args = parser.parse_args(argv)
    # stdout carries the protocol: logs go to stderr, which MCP clients keep as the server log.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_mod.load()
        run_stdio(lambda: make_service(settings),  # the ranking `gumd query` uses
                  allow_recent_observations=args.allow_recent_observations,
                  share_sensitive=args.share_sensitive or settings.api.share_sensitive)
    except GumdError as exc:
        print(f"gumd mcp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
