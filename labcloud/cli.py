"""`labcloud start | stop | status | reset | serve | env`: manage the local cloud from a shell."""
from __future__ import annotations

import argparse
import shutil
import sys

from . import config, lifecycle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="labcloud", description="The local simulated cloud of "
                                     "the Machine Learning in Production course.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=argparse.SUPPRESS,
                        help="state folder (default $LABCLOUD_HOME or ~/.labcloud)")
    parser.add_argument("--home", help="state folder (default $LABCLOUD_HOME or ~/.labcloud)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add = sub.add_parser
    sub.add_parser = lambda *a, **k: _add(*a, parents=[common], **k)  # --home after the command too
    p = sub.add_parser("start", help="start the server in the background (or report the running one)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    sub.add_parser("stop", help="stop the server")
    sub.add_parser("status", help="is a server running for this home?")
    p = sub.add_parser("reset", help="stop the server and delete every resource of this home")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("serve", help="run the server in the foreground")
    p.add_argument("--port", type=int, default=0)
    sub.add_parser("env", help="print the shell exports that point AWS clients at labcloud")
    sub.add_parser("costs", help="print the bill: cost by resource and by service, and the total")
    args = parser.parse_args(argv)
    home = config.home(args.home)

    if args.command == "serve":
        from .server.main import AlreadyRunning, serve
        try:
            serve(home, args.port)
        except AlreadyRunning as err:
            print(f"labcloud: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "start":
        lifecycle.start(home, port=args.port, export=False)
        return 0
    if args.command == "stop":
        print("labcloud stopped" if lifecycle.stop(home) else "labcloud was not running")
        return 0
    if args.command == "status":
        st = lifecycle.status(home)
        if st["running"]:
            print(f"labcloud running: {st['url']} (pid {st['pid']}, home {st['home']})")
            return 0
        print(f"labcloud not running (home {st['home']})")
        return 3
    if args.command == "env":
        conn = lifecycle.start(home, export=False, quiet=True)
        for key, value in conn.env.items():
            print(f"export {key}={value}")
        return 0
    if args.command == "costs":  # the bill (issue 3)
        from . import billing, costs
        conn = lifecycle.start(home, export=False, quiet=True)
        print(costs.render(billing.fetch(conn.url)))
        return 0
    if args.command == "reset":
        if not args.yes and sys.stdin.isatty():
            answer = input(f"Delete every bucket, job and log under {home}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
        lifecycle.stop(home)
        if home.exists():
            shutil.rmtree(home)
        print(f"labcloud reset: {home} is empty")
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
