"""``python -m gumd.api.mcp_main``: the MCP server over stdio on the database of ``$GUMD_HOME``."""

from __future__ import annotations

import argparse
import logging
import sys

from propositions.errors import GumdError
from propositions.service import Service

from gumd import paths
from gumd import settings as settings_mod

from .mcp_server import run_stdio


def open_service(settings: settings_mod.Settings) -> Service:
    paths.ensure_private_dir(settings.home)
    # The ranking `gumd query` uses.
    return Service.open(settings.db_path, weights=settings.retrieval.weights(),
                        questions=settings.question_policy(),
                        busy_timeout_s=settings.store.busy_timeout_s,
                        claim_timeout_s=settings.store.claim_timeout_s,
                        max_attempts=settings.store.max_attempts,
                        mmap_bytes=settings.store.mmap_mb << 20)


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
        run_stdio(lambda: open_service(settings),
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
