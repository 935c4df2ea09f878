"""The ``secops`` command. Each subcommand parses its arguments here and calls into its area's module."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence

from secops.errors import ConfigError, SecopsError

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from secops.settings import load_settings

    return load_settings(args.config)


def cmd_run(args: argparse.Namespace) -> int:
    from secops.daemon import Daemon
    from secops.telemetry.logging import setup_logging

    settings = _settings(args)
    setup_logging(settings.log.level, settings.log.format)
    return asyncio.run(Daemon(settings).run())


def cmd_check(args: argparse.Namespace) -> int:
    from secops.check import run_check

    return run_check(args.config, out=sys.stdout)


def cmd_token(args: argparse.Namespace) -> int:
    from secops.api.auth import hash_token, new_token

    token = new_token()
    print(token)
    print("# add to auth.tokens in your config (the token above is shown only once):", file=sys.stderr)
    roles = ", ".join(args.role)
    print(f'- {{name: {args.name}, sha256: "{hash_token(token)}", roles: [{roles}]}}', file=sys.stderr)
    return 0


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", metavar="FILE", help="config file (default: the embedded default)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secops", description="security-operations monitoring daemon")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run the daemon")
    _add_config(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("check", help="validate config, rules and playbooks; exit 1 on any error")
    _add_config(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="print a new token once, and the config line with its hash")
    t.add_argument("--role", action="append", required=True,
                   choices=["ingest", "operator", "rule_editor", "auditor", "admin"])
    t.add_argument("--name", default="token")
    t.set_defaults(handler=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        return 1
    except SecopsError as err:
        print(f"secops: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())


