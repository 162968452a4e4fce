"""The `faqbot` console script: the library's commands plus `serve`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import cli


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--knowledge",
        default=None,
        metavar="DIR",
        help="the knowledge folder (default: FAQBOT_KNOWLEDGE_DIR or knowledge)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web chat under uvicorn."""
    from web.server import serve  # imported here so that check/ask/eval start fast

    return serve(args.host, args.port, args.workers, args.knowledge)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `faqbot` command."""
    return cli.main(argv, extra={"serve": (cmd_serve, _serve_arguments)})


if __name__ == "__main__":
    sys.exit(main())
