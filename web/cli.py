"""The `faqbot` console script: the library's commands plus `serve`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bot import cli
from bot.store import StoreError, parse_period, render_report
from web.settings import Settings


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
    parser.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="reverse proxies whose X-Forwarded-For is believed, comma-separated (default: "
        "FAQBOT_FORWARDED_ALLOW_IPS, else nobody)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web chat (and the staff page, when FAQBOT_ADMIN_TOKEN is set)."""
    from web.server import serve  # imported here so that check/ask/eval start fast

    return serve(args.host, args.port, args.workers, args.knowledge, args.forwarded_allow_ips)


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", default="30d", help="period: 30d, 12h, 2w (default 30d)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_report(args: argparse.Namespace) -> int:
    """Report what visitors asked that went unanswered, votes per passage, replies by kind."""
    try:
        period = parse_period(args.since)
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        print(f"faqbot report: {exc}", file=sys.stderr)
        return 2
    print(f"faqbot report: store {settings.describe_store()}", file=sys.stderr)
    store = settings.open_store()
    try:
        store.purge()
        report = store.report(period)
    except StoreError as exc:
        print(f"faqbot report: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict(), indent=2) if args.json else render_report(report))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `faqbot` command."""
    return cli.main(
        argv,
        extra={"serve": (cmd_serve, _serve_arguments), "report": (cmd_report, _report_arguments)},
    )


if __name__ == "__main__":
    sys.exit(main())
