"""The ``secops`` command. Each subcommand parses its arguments here and calls into its area's module."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

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


def cmd_test(args: argparse.Namespace) -> int:
    from secops.commands import run_tests

    return run_tests(_settings(args), args.paths, out=sys.stdout, verbose=args.verbose)


def cmd_replay(args: argparse.Namespace) -> int:
    from secops.commands import run_replay

    return run_replay(_settings(args), args.files, fmt=args.format, matches=args.matches, source=args.source,
                      out=sys.stdout)


def cmd_scan(args: argparse.Namespace) -> int:
    from secops.commands import run_scan

    return run_scan(_settings(args), args.files, fmt=args.format, out=sys.stdout)


def cmd_export(args: argparse.Namespace) -> int:
    from secops.store.cli import run_export

    return run_export(_settings(args).store, start=args.start, end=args.end, fmt=args.format,
                      out_dir=Path(args.output), progress=sys.stderr.isatty())


def cmd_verify(args: argparse.Namespace) -> int:
    from secops.store.cli import run_verify

    if args.store == (args.path is not None):
        print("secops verify: give a bundle PATH or --store (not both)", file=sys.stderr)
        return 2
    settings = _settings(args).store if args.store or args.config else None
    return run_verify(Path(args.path) if args.path else None, settings=settings, store=args.store)


def cmd_oncall(args: argparse.Namespace) -> int:
    from secops.clock import SystemClock
    from secops.playbooks.cli import run_oncall_now

    settings = _settings(args)
    return run_oncall_now(settings.playbooks.paths, now=SystemClock().now(), out=sys.stdout)


def cmd_alerts(args: argparse.Namespace) -> int:
    from secops import alerts_cli

    url = args.url or f"http://{_settings(args).http.address}"
    client = alerts_cli.ApiClient(url)
    if args.alerts_command == "list":
        return alerts_cli.run_list(client, firing_only=args.firing, out=sys.stdout)
    if args.alerts_command == "ack":
        return alerts_cli.run_ack(client, args.id, comment=args.comment, out=sys.stdout)
    if args.alerts_command == "resolve":
        return alerts_cli.run_resolve(client, args.id, comment=args.comment, out=sys.stdout)
    return alerts_cli.run_silence(client, args.matcher, reason=args.reason, duration=args.duration, out=sys.stdout)


def _add_alerts(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("alerts", help="operator actions through the daemon's API (token in SECOPS_TOKEN)")
    asub = p.add_subparsers(dest="alerts_command", required=True)
    commands = {
        "list": "alerts the playbooks are handling",
        "ack": "acknowledge an alert: stops escalation",
        "resolve": "resolve an alert by hand",
        "silence": "silence alerts matching label matchers",
    }
    for name, text in commands.items():
        a = asub.add_parser(name, help=text)
        _add_config(a)
        a.add_argument("--url", help="the daemon's base URL (default: http://<http.address> from the config)")
        if name == "list":
            a.add_argument("--firing", action="store_true", help="only firing alerts")
        if name in ("ack", "resolve"):
            a.add_argument("id", metavar="ID")
            a.add_argument("--comment", default="")
        if name == "silence":
            a.add_argument("matcher", nargs="+", help='label matchers, e.g. alertname="WebSqlInjection"')
            a.add_argument("--reason", required=True)
            a.add_argument("--duration", default="2h", help="how long, e.g. 30m, 2h, 1d (default 2h)")
        a.set_defaults(handler=cmd_alerts)


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

    p = sub.add_parser("test", help="run the tests embedded in rules and playbooks; exit 1 on failure")
    _add_config(p)
    p.add_argument("paths", nargs="*", metavar="PATH", help="rule or playbook folders (default: all configured)")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    p.set_defaults(handler=cmd_test)

    p = sub.add_parser("scan", help="classify log lines offline: one JSON object per input line, in order")
    _add_config(p)
    p.add_argument("files", nargs="+", metavar="FILE", help="log files ('-' for standard input)")
    p.add_argument("--format", default=None, help="parse lines with this format first (default: raw text)")
    p.set_defaults(handler=cmd_scan)

    p = sub.add_parser("replay", help="run detection offline in event time; alerts as JSONL")
    _add_config(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", default=None, help="input format (default: auto)")
    p.add_argument("--matches", action="store_true", help="one object per line: the rules that matched it")
    p.add_argument("--source", default=None, help="source id the events came from (default: the file name)")
    p.set_defaults(handler=cmd_replay)

    p = sub.add_parser("export", help="auditor bundle: data files and a manifest for a time range")
    _add_config(p)
    p.add_argument("--from", dest="start", required=True, metavar="T", help="start (ISO 8601 or epoch seconds)")
    p.add_argument("--to", dest="end", required=True, metavar="T", help="end (ISO 8601 or epoch seconds)")
    p.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("verify", help="check an export bundle, or the live ledger with --store")
    _add_config(p)
    p.add_argument("path", nargs="?", metavar="PATH", help="bundle directory or .tar")
    p.add_argument("--store", action="store_true", help="verify the live ledger of the configured store")
    p.set_defaults(handler=cmd_verify)

    _add_alerts(sub)

    p = sub.add_parser("oncall", help="on-call")
    osub = p.add_subparsers(dest="oncall_command", required=True)
    o = osub.add_parser("now", help="who is on duty now, per tier, and until when")
    _add_config(o)
    o.set_defaults(handler=cmd_oncall)

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


