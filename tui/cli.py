"""Command line: `aiwatch` (the app), `aiwatch simulate`, `aiwatch snapshot`, `aiwatch check`, `aiwatch hub`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

from tui import __version__
from tui.logs import setup_logging
from tui.sanitize import clean_lines

log = logging.getLogger("tui")


def say(text: object, file=None) -> None:
    """Print `text` to stderr (or `file`), each line cleaned: messages quote file contents and servers' words, and
    stderr is a terminal. Every message of the command line goes out through here."""
    out = sys.stderr if file is None else file
    for line in clean_lines(str(text), None):
        print(line, file=out)

EPILOG = """\
examples:
  aiwatch --demo                          live screen on the built-in market simulator (no network)
  aiwatch --demo --at 2026-11-24T01:25:00Z --speed 60
                                          watch a Hong Kong session in fast forward
  aiwatch --watchlist chips               real quotes from Yahoo Finance
  aiwatch snapshot --demo --format json   print one snapshot and exit
  aiwatch simulate --port 8765            run the simulator for other clients
  aiwatch check                           validate every shipped and user watchlist
  aiwatch serve --demo                    the app in a web browser at http://127.0.0.1:8000 (no login)
  aiwatch hub --demo                      one upstream for every aiwatch on this server, through Redis
  aiwatch --hub redis://127.0.0.1:6379/0  quotes from that hub (docs/hub.md)
  aiwatch --config ~/aiwatch.toml         settings from that file (keys: README, "Configuration")

environment:
  AIWATCH_YAHOO_URL    one base URL replacing every Yahoo REST host (paths kept)
  AIWATCH_STREAM_URL   the streamer websocket URL
  AIWATCH_TENCENT_URL  base URL replacing Tencent's quote page, https://qt.gtimg.cn (path /q=... kept)
  AIWATCH_SINA_URL     base URL replacing Sina's quote page, https://hq.sinajs.cn (path /list=... kept)
  AIWATCH_CONFIG_DIR   where config.toml and the user's watchlists/ live (default: the platform's config dir)
  AIWATCH_DATA_DIR     where exports and the alerts log go (default: the platform's data dir)
  AIWATCH_LOG_DIR      where aiwatch.log goes (default: the platform's log dir)
  TEXTUAL_COLOR_SYSTEM truecolor, 256, standard (16) or auto; NO_COLOR=1 turns colour off
"""


def _instant(text: str) -> datetime:
    from tui.core.clock import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _faults(text: str) -> str:
    from tui.sim.faults import parse_faults

    try:
        parse_faults(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def _sim_options(p: argparse.ArgumentParser, *, with_demo: bool) -> None:
    g = p.add_argument_group("simulator" if not with_demo else "demo (built-in market simulator)")
    if with_demo:
        g.add_argument("--demo", action="store_true",
                       help="run on the built-in market simulator (simulated data, no network)")
    g.add_argument("--rate", type=_positive, default=20.0, metavar="R",
                   help="simulated ticks per second across all symbols (default: 20)")
    g.add_argument("--seed", type=int, default=7, metavar="S", help="simulator seed: a run repeats (default: 7)")
    g.add_argument("--at", type=_instant, default=None, metavar="ISO8601",
                   help="start the clock at this instant, e.g. 2026-11-24T14:30:00Z (default: now)")
    g.add_argument("--speed", type=_positive, default=1.0, metavar="X",
                   help="run the clock X times faster than real time; 0 freezes it (default: 1)")
    g.add_argument("--faults", type=_faults, default=None, metavar="SPEC",
                   help="simulator fault switches, e.g. drop=10s,close=25s,http429=3,http500=0.1,slow=0.05,"
                   "garbage=0.01; hostile=1 (names with escape sequences), hostile_errors=0.2")


def _source_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data source")
    g.add_argument("--watchlist", "-w", metavar="NAME", default=None, help="watchlist to open (default: the config's default_watchlist, ai-rivals)")
    g.add_argument("--yahoo-url", metavar="URL", default=None, help="base URL for Yahoo's REST hosts ($AIWATCH_YAHOO_URL)")
    g.add_argument("--stream-url", metavar="URL", default=None, help="streamer websocket URL ($AIWATCH_STREAM_URL)")
    g.add_argument("--proxy", metavar="URL", default=None,
                   help="HTTP(S) proxy for every source (Yahoo needs one from mainland China)")
    g.add_argument("--tencent-url", metavar="URL", default=None,
                   help="base URL for Tencent's quote page ($AIWATCH_TENCENT_URL)")
    g.add_argument("--sina-url", metavar="URL", default=None, help="base URL for Sina's quote page ($AIWATCH_SINA_URL)")
    g.add_argument("--china-source", choices=["tencent", "sina", "yahoo"], default=None,
                   help="where Hong Kong, Shanghai and Shenzhen quotes come from in real time, for this run "
                   "(default: the config's [sources], tencent; yahoo: Yahoo only, 15 minutes late)")
    g.add_argument("--log-level", default=None, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="log level of the log file (default: the config's log_level, INFO)")
    g.add_argument("--hub", metavar="URL", default=None,
                   help="take quotes from the hub on this Redis (redis://[user:password@]host:port/db, rediss:// "
                   "for TLS; `aiwatch hub` runs it) instead of connecting to the sources (default: the config's "
                   "hub; docs/hub.md)")
    g.add_argument("--stale-after", type=_positive, default=None, metavar="S",
                   help="mark an open market's quote stale this many seconds past its usual delay "
                   "(default: the config's stale_after, 60)")
    g.add_argument("--config", metavar="PATH", default=None,
                   help="settings file (default: config.toml in $AIWATCH_CONFIG_DIR or the platform's config dir, "
                   "written with commented defaults on first run)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiwatch",
        description="Watch US AI leaders against their Chinese rivals: live quotes, valuation spreads, "
        "concentration gauges.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # no abbreviations of the app's own options: `simulate --port` and `serve --port` are not a prefix of
        # --portfolio for this parser to guess at
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"aiwatch {__version__}")
    _source_options(parser)
    _sim_options(parser, with_demo=True)
    parser.add_argument("--portfolio", metavar="NAME", default=None,
                        help="the portfolio shown first on the book screen (b); default: the first")
    # `aiwatch serve` passes these to each app it starts: a served app shows no book unless it was asked for one
    parser.add_argument("--portfolio-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-portfolios", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from tui.feeds.trouble import EXIT_HELP

    snap = sub.add_parser("snapshot", help="connect, wait for every quote, print once and exit",
                          description="Connect, wait until every symbol has a quote (or the timeout, then say "
                          "which are missing and why: the source's failure, e.g. \"rate-limited by Yahoo (HTTP "
                          "429) since 14:02; next try 14:04\"), print once and exit.",
                          epilog=EXIT_HELP)
    _source_options(snap)
    _sim_options(snap, with_demo=True)
    snap.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    snap.add_argument("--timeout", type=_positive, default=20.0, metavar="S", help="seconds to wait (default: 20)")
    snap.add_argument("--history", action="store_true",  # one chart request per symbol
                      help="also fetch a year of daily closes (pairs' relative performance and z-score, betas to NVDA)")
    snap.add_argument("--capex", action="store_true",
                      help="also fetch each equity's statements: capex, cash flow, debt, the sides' totals and the "
                      "circle of deals (a `capex` object; docs/capex.md)")
    snap.add_argument("--portfolio", metavar="NAME", default=None,
                      help="add the portfolio NAME (<config dir>/portfolios/NAME.toml; `demo` with --demo): "
                      "positions, P&L and exposure in its base currency (with --format csv: its positions)")

    sim = sub.add_parser("simulate", help="run the market simulator (speaks Yahoo's, Tencent's and Sina's "
                         "protocols on 127.0.0.1)",
                         description="Run the market simulator on 127.0.0.1. Point aiwatch (or any Yahoo "
                         "client) at it with AIWATCH_YAHOO_URL and AIWATCH_STREAM_URL, and with "
                         "AIWATCH_TENCENT_URL and AIWATCH_SINA_URL for the Hong Kong and mainland quote pages.")
    sim.add_argument("--port", type=int, default=8765, metavar="N", help="TCP port on 127.0.0.1 (0: any free)")
    _sim_options(sim, with_demo=False)
    sim.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    _serve_parser(sub)
    _hub_parser(sub)

    chk = sub.add_parser("check", help="validate watchlist and portfolio files",
                         description="Validate watchlist and portfolio files; with no path, every shipped and user "
                         "watchlist and every portfolio in <config dir>/portfolios/. A file in a folder named "
                         "portfolios, or with [[lot]] tables, is checked as a portfolio. Prints each problem as "
                         "path:line: problem; exits 1 if there is any.")
    chk.add_argument("paths", nargs="*", metavar="PATH")

    pf = sub.add_parser("portfolio", help="portfolio files: import a broker's CSV export",
                        description="Portfolio files (<config dir>/portfolios/NAME.toml; format in docs/portfolio.md).")
    pf_sub = pf.add_subparsers(dest="portfolio_command", metavar="COMMAND", required=True)
    imp = pf_sub.add_parser("import", help="turn a broker's trade export (CSV) into a portfolio file",
                            description="Read a CSV of trades and write <config dir>/portfolios/NAME.toml (mode 0600). "
                            "Each row that cannot be read is reported as file:line: problem and left out (exit 1); "
                            "nothing is written when no trade can be read or the file exists (exit 2).")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--format", choices=["generic", "ibkr"], default="generic",
                     help="generic: a header row with symbol, date, quantity, price (optional currency, fees, action, "
                     "fx, id, pair, note); ibkr: an Interactive Brokers Activity Statement (default: generic)")
    imp.add_argument("--name", metavar="NAME", default=None,
                     help="the portfolio's name, its file's name (default: from the CSV file's name)")
    return parser


def _clock(args):
    from tui.core.clock import Clock

    return Clock(at=args.at, speed=args.speed)


def _runtime(args, *, clock=None, sim_process=False):
    from tui.runtime import Runtime

    return Runtime(demo=args.demo, clock=clock or _clock(args), seed=args.seed, rate=args.rate, faults=args.faults,
                   yahoo_url=args.yahoo_url, stream_url=args.stream_url, proxy=args.proxy,
                   # the app keeps a year of daily bars per symbol; a snapshot asks with --history
                   history_range=None if getattr(args, "command", None) == "snapshot" else "1y",
                   sim_process=sim_process, sim_log_level=getattr(args, "log_level", None) or "INFO",
                   # the app's capex screen and gauge; a snapshot only with --capex
                   statements=getattr(args, "capex", False) or getattr(args, "command", None) != "snapshot",
                   tencent_url=getattr(args, "tencent_url", None), sina_url=getattr(args, "sina_url", None),
                   china_sources=china_sources(args), **hub_options(args))


def hub_options(args) -> dict:
    """The Runtime's hub options: --hub or the config's hub, its prefix and fallback (none without a hub)."""
    url = getattr(args, "hub", None)
    if not url:
        return {}
    config = getattr(args, "config_obj", None)
    return {"hub_url": url, "hub_prefix": getattr(config, "hub_prefix", "aiwatch:"),
            "hub_fallback": getattr(config, "hub_fallback", "none")}


def china_sources(args) -> dict[str, str]:
    """The quote page per market group: --china-source for both, else the config's [sources], else Tencent."""
    choice = getattr(args, "china_source", None)
    if choice:
        return {"hk": choice, "cn": choice}
    config = getattr(args, "config_obj", None)
    return dict(config.sources) if config is not None else {"hk": "tencent", "cn": "tencent"}


def _spawn_demo_simulator(args, clock):
    """`--demo`'s simulator in its own process, started before Textual is imported so that its second
    of start-up runs on the other core while the app imports and paints. If it cannot even be started here,
    the runtime tries again and tells the user in the app (True)."""
    from tui.sim.process import SimProcess

    try:
        return SimProcess.spawn(clock, seed=args.seed, rate=args.rate, faults=args.faults,
                                log_level=getattr(args, "log_level", None) or "INFO")
    except OSError:
        log.exception("could not start the demo simulator's process")
        return True


def _requested_watchlist(args, result) -> int | None:
    """Stop (exit status 2) when the list asked for with --watchlist did not load, or no list loaded at all;
    None to go on. The config's default_watchlist never stops anything: a bad one is reported and `ai-rivals`
    opened (tui.watchlists.configured_watchlist)."""
    from tui.watchlists import requested_watchlist_error

    if args.watchlist is not None:
        error = requested_watchlist_error(result, args.watchlist)
    else:
        error = None if result.watchlists else "no watchlist could be loaded"
    if error is None:
        return None
    say(f"aiwatch: {error}")
    return 2


def cmd_run(args) -> int:
    clock = _clock(args)
    # first: it overlaps everything below (a hub's client starts no simulator: the hub's data says what it is)
    sim = _spawn_demo_simulator(args, clock) if args.demo and not getattr(args, "hub", None) else False
    runtime = None
    try:
        from tui.watchlists import load_all

        result = load_all()
        stop = _requested_watchlist(args, result)
        if stop is not None:
            for p in result.problems:
                say(p)
            return stop
        books, book_problems, hidden, error = _app_books(args, result)
        if error:
            say(f"aiwatch: {error}")
            return 2
        from tui.app import AiwatchApp

        runtime = _runtime(args, clock=clock, sim_process=sim)
        # without --watchlist, the app opens the config's default_watchlist, or reports it and opens ai-rivals
        app = AiwatchApp(runtime, result, initial=args.watchlist, stale_after=args.stale_after,
                         handle_signals=True, config=getattr(args, "config_obj", None),
                         config_problems=getattr(args, "config_problems", ()), books=books,
                         book_problems=book_problems, books_hidden=hidden)
        app.run()
        return app.return_code or 0
    finally:
        # the app stops its simulator; this is the last resort if it could not (the child would also leave on
        # its own when this process ends: its stdin reaches end-of-file)
        for proc in (sim, getattr(runtime, "sim_process", None)):
            if hasattr(proc, "kill_now"):
                proc.kill_now()


def _app_books(args, result):
    """(Books or None, their files' problems, why none are shown, an error that stops the app) for `aiwatch`:
    every book (the demo book too with --demo); only the one named with --portfolio-only (a served app); none
    with --no-portfolios (a served app not given --portfolio: the page has no login)."""
    if getattr(args, "no_portfolios", False):
        return None, [], ("no book in a served app unless `aiwatch serve --portfolio NAME` names one: the page has "
                          "no login, so anyone who reaches its port would see your positions"), None
    from tui.portfolio.live import Books
    from tui.portfolio.loader import load_all as load_books

    loaded = load_books(demo=args.demo)
    books = list(loaded.books.values())
    name = getattr(args, "portfolio", None)
    if name is not None and name not in loaded.books:
        known = ", ".join(loaded.books) or "none"
        if getattr(args, "portfolio_only", False):
            return None, loaded.problems, None, f"unknown portfolio {name!r}; known: {known}"
        loaded.problems.append(f"no portfolio named {name!r} (known: {known}): showing the first")
    if getattr(args, "portfolio_only", False):
        books = [loaded.books[name]]
        problems = [p for p in loaded.problems if getattr(p, "path", None) is None or p.path.stem == name]
    else:
        problems = loaded.problems
    if not books:
        return None, problems, None, None
    return Books(books, result.watchlists.values(), stale_after=args.stale_after or 60.0, initial=name), \
        problems, None, None


def cmd_snapshot(args) -> int:
    from tui.watchlists import configured_watchlist, load_all

    result = load_all()
    for p in result.problems:
        say(f"warning: {p}")
    stop = _requested_watchlist(args, result)
    if stop is not None:
        return stop
    name = args.watchlist
    if name is None:
        config = getattr(args, "config_obj", None)
        name, problem = configured_watchlist(result, getattr(config, "default_watchlist", None),
                                             str(getattr(config, "path", None) or "config"))
        if problem:
            say(f"warning: {problem}")
    book = None
    if getattr(args, "portfolio", None):
        book, error = _pick_book(args.portfolio, demo=args.demo)
        if error:
            say(f"aiwatch: {error}")
            return 2
    return asyncio.run(_snapshot(args, result.watchlists[name], book, list(result.watchlists.values())))


def _pick_book(name: str, *, demo: bool):
    """The portfolio `name` (its file's problems printed as warnings), or None and why not."""
    from tui.portfolio.loader import load_all as load_books
    from tui.portfolio.loader import user_portfolios_dir

    books = load_books(demo=demo)
    for p in books.problems:
        say(f"warning: {p}")
    if name in books.books:
        return books.books[name], None
    known = ", ".join(books.books) or "none"
    hint = " (the demo book is there with --demo)" if name == "demo" and not demo else ""
    return None, f"unknown portfolio {name!r}{hint}; known: {known} (files in {user_portfolios_dir()})"


async def _snapshot(args, watchlist, book=None, watchlists=()) -> int:
    from tui.core.snapshot import build_snapshot, render_csv, render_json, render_table
    from tui.feeds.trouble import EXIT_MISSING

    runtime = _runtime(args)
    capex = getattr(args, "capex", False)
    no_statements: set[str] = set()
    deals = None
    trouble = trouble_text = None
    symbols = list(watchlist.symbols)
    if book is not None:
        from tui.portfolio.live import quote_symbols

        symbols = list(dict.fromkeys([*symbols, *quote_symbols([book])]))
    try:
        runtime.set_symbols(symbols)
        started = asyncio.get_running_loop().time()
        await runtime.start()
        missing = await runtime.wait_until_quoted(symbols, args.timeout)
        if capex:
            from tui.core.deals import load_deals

            left = max(0.0, args.timeout - (asyncio.get_running_loop().time() - started))
            no_statements = await runtime.wait_for_statements(watchlist.symbols, left)
            deals = load_deals()
            for p in deals.problems:
                say(f"warning: {p}")
        if getattr(args, "history", False) and runtime.feed is not None:
            from tui.core.history import ensure_history, watchlist_history_symbols

            await ensure_history(runtime.feed, runtime.store, watchlist_history_symbols(watchlist, runtime.store),
                                 set())
        if book is not None and runtime.feed is not None:
            from tui.portfolio.live import fetch_history, history_plan

            today = datetime.fromtimestamp(runtime.clock.now()).date()
            await fetch_history(runtime.feed, history_plan(book, today), set())
        config = getattr(args, "config_obj", None)  # --config PATH, or the default file: its [reference] too
        now = runtime.clock.now()
        doc = build_snapshot(runtime.store, watchlist, now=now, source=runtime.source,
                             missing=sorted(missing), stale_after=args.stale_after, source_url=runtime.source_url,
                             reference_overrides=dict(config.reference) if config is not None else None,
                             capex=capex, deals=deals, capex_missing=sorted(no_statements),
                             sources=runtime.sources_info(), notice=runtime.notice())
        if book is not None:
            from tui.portfolio.live import build_portfolio

            doc["portfolio"] = build_portfolio(book, runtime.store, now=now, watchlists=watchlists,
                                               stale_after=args.stale_after, simulated=doc["simulated"])
        if runtime.feed is not None:  # why data is missing, read before the feed stops: what the status line says
            trouble, trouble_text = runtime.feed.trouble(), runtime.feed.trouble_text()
    finally:
        await runtime.stop()
    render = {"json": render_json, "csv": render_csv, "table": render_table}[args.format]
    if book is not None and args.format != "json":
        from tui.portfolio import document

        # CSV: the book's positions (one table a file); table: the watchlist's, then the book's
        render = document.render_csv if args.format == "csv" else (
            lambda d: render_table(d) + "\n" + document.render_table(d))
    text = render(doc)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if missing:
        unknown = sorted(s for s in missing if s in runtime.store.unknown)
        silent = sorted(s for s in missing if s not in runtime.store.unknown)
        parts = [trouble_text] if trouble_text else []
        if silent:
            parts.append(f"no quote within {args.timeout:g} s for: {', '.join(silent)}")
        if unknown:
            parts.append(f"the source does not know: {', '.join(unknown)}")
        say(f"aiwatch: {'; '.join(parts)}")
        return trouble.exit_status if trouble is not None and silent else EXIT_MISSING
    if no_statements:
        parts = [trouble_text] if trouble_text else []
        parts.append(f"no statements within {args.timeout:g} s for: {', '.join(sorted(no_statements))}")
        say(f"aiwatch: {'; '.join(parts)}")
        return trouble.exit_status if trouble is not None else EXIT_MISSING
    if trouble_text:  # every quote is there, but part of the rest may not be (fundamentals, history)
        say(f"aiwatch: warning: {trouble_text}")
    return 0


def cmd_simulate(args) -> int:
    from tui.sim.server import run_simulate

    try:
        return run_simulate(port=args.port, rate=args.rate, seed=args.seed, at=args.at, speed=args.speed,
                            faults=args.faults)
    except ValueError as exc:
        say(f"aiwatch simulate: {exc}")
        return 2


def cmd_check(args) -> int:
    from tui.portfolio.loader import looks_like_portfolio
    from tui.portfolio.loader import run_check as check_portfolios
    from tui.watchlists import run_check

    if not args.paths:
        return max(run_check([]), check_portfolios(None))
    books = [p for p in args.paths if looks_like_portfolio(Path(p))]
    others = [p for p in args.paths if p not in books]
    code = run_check(others) if others else 0
    if books:
        code = max(code, check_portfolios(books))
    return code


def cmd_portfolio(args) -> int:
    """`aiwatch portfolio import FILE.csv [--format generic|ibkr] [--name NAME]`."""
    from tui.portfolio.importer import ImportFailed, import_file

    try:
        target, result = import_file(args.file, args.format, args.name)
    except ImportFailed as exc:
        say(f"aiwatch portfolio import: {exc}")
        return 2
    for problem in result.problems:
        say(problem)
    lots, closes = len(result.lots), len(result.closes)
    print(f"wrote {target}: {lots} lot{'s' * (lots != 1)}, {closes} close{'s' * (closes != 1)} from "
          f"{result.rows} trade row{'s' * (result.rows != 1)}"
          + (f"; {len(result.problems)} not imported (above)" if result.problems else ""))
    return 1 if result.problems else 0


# -- config file and `aiwatch serve` -----------------------------------------------------------------------


def _apply_config(args) -> None:
    """Load the config (--config or the default file) and fill the options the command line left unset."""
    if not hasattr(args, "config"):
        return  # simulate, check: no settings of theirs live in the config
    from tui.config import load_config

    config, problems = load_config(Path(args.config) if args.config else None)
    args.config_obj, args.config_problems = config, problems
    if getattr(args, "log_level", None) is None:
        args.log_level = config.log_level
    if getattr(args, "stale_after", None) is None:
        args.stale_after = config.stale_after
    if getattr(args, "proxy", None) is None and config.proxy:
        args.proxy = config.proxy
    if hasattr(args, "hub") and args.hub is None and config.hub:
        args.hub = config.hub
    if getattr(args, "hub", None):
        from tui.hub.connect import check_url

        why = check_url(args.hub)
        if why:
            say(f"aiwatch: --hub: {why}")
            raise SystemExit(2)
    # the config's default_watchlist is not copied into args.watchlist: a list asked for on the command line
    # must load or stop the command, the config's may be bad and is then reported and replaced by ai-rivals
    if args.command in ("snapshot", "serve"):
        for p in problems:
            say(f"warning: {p}")


def _serve_parser(sub) -> None:
    serve = sub.add_parser(
        "serve", help="serve the app to a web browser (textual-serve; loopback only unless --host)",
        description="Serve aiwatch to a web browser through textual-serve: each browser tab runs its own aiwatch. "
        "Binds to 127.0.0.1 unless --host is given. It has no login: bound beyond loopback, anyone who can reach "
        "the port gets the app, so it warns. Over SSH, prefer a tunnel: ssh -L 8000:127.0.0.1:8000 host.",
        epilog="example:\n  aiwatch serve --demo --port 8000    then open http://127.0.0.1:8000\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1", metavar="H",
                       help="address to bind (default: 127.0.0.1; 0.0.0.0 exposes it to the network, with no login)")
    serve.add_argument("--port", type=int, default=8000, metavar="P", help="TCP port (default: 8000)")
    serve.add_argument("--portfolio", metavar="NAME", default=None,
                       help="show this portfolio (and no other) in the served app; without it no book is shown: "
                       "the page has no login, so anyone who reaches the port would see your positions")
    _source_options(serve)
    _sim_options(serve, with_demo=True)


def serve_app_args(args) -> list[str]:
    """The options of `aiwatch serve` to pass on to each app it starts."""
    out: list[str] = []
    for flag, attr in (("--watchlist", "watchlist"), ("--yahoo-url", "yahoo_url"), ("--stream-url", "stream_url"),
                       ("--tencent-url", "tencent_url"), ("--sina-url", "sina_url"),
                       ("--china-source", "china_source"), ("--proxy", "proxy"), ("--log-level", "log_level"), ("--stale-after", "stale_after"),
                       ("--config", "config"), ("--rate", "rate"), ("--seed", "seed"), ("--speed", "speed"),
                       ("--faults", "faults"), ("--hub", "hub")):
        value = getattr(args, attr, None)
        if value is not None:
            out += [flag, str(value)]
    if getattr(args, "at", None) is not None:
        out += ["--at", args.at.isoformat()]
    if getattr(args, "demo", False):
        out.append("--demo")
    # a served app has no login: it shows a book only when one was named, and only that one (docs/portfolio.md)
    if getattr(args, "portfolio", None):
        out += ["--portfolio", args.portfolio, "--portfolio-only"]
    else:
        out.append("--no-portfolios")
    return out


def cmd_serve(args) -> int:
    from tui.serve import run_serve

    if args.watchlist is not None:  # asked for on the command line: say so now, not in every browser tab
        from tui.watchlists import load_all

        stop = _requested_watchlist(args, load_all())
        if stop is not None:
            return stop

    return run_serve(args.host, args.port, serve_app_args(args))


def _hub_parser(sub) -> None:
    hub = sub.add_parser(
        "hub", help="one upstream for every aiwatch on this server, shared through Redis (docs/hub.md)",
        description="Run the sources once (Yahoo, Tencent, Sina; or the simulator with --demo) and publish every "
        "quote through Redis to the aiwatch processes started with --hub URL (or the config's hub). Runs until "
        "SIGINT or SIGTERM; a second hub on the same Redis waits and takes over when the first stops. Logs to the "
        "log file.",
        epilog="example:\n  aiwatch hub --demo --redis redis://127.0.0.1:6379/0\n  aiwatch --hub redis://127.0.0.1:6379/0\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    hub.add_argument("--redis", metavar="URL", default=None,
                     help="the Redis to publish on (default: the config's hub, else redis://127.0.0.1:6379/0)")
    g = hub.add_argument_group("data source")
    g.add_argument("--yahoo-url", metavar="URL", default=None, help="base URL for Yahoo's REST hosts")
    g.add_argument("--stream-url", metavar="URL", default=None, help="streamer websocket URL")
    g.add_argument("--proxy", metavar="URL", default=None, help="HTTP(S) proxy for every source")
    g.add_argument("--tencent-url", metavar="URL", default=None, help="base URL for Tencent's quote page")
    g.add_argument("--sina-url", metavar="URL", default=None, help="base URL for Sina's quote page")
    g.add_argument("--china-source", choices=["tencent", "sina", "yahoo"], default=None,
                   help="where Hong Kong, Shanghai and Shenzhen quotes come from in real time")
    g.add_argument("--log-level", default=None, choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    g.add_argument("--config", metavar="PATH", default=None, help="settings file (hub, hub_prefix, proxy, sources)")
    _sim_options(hub, with_demo=True)


def cmd_hub(args) -> int:
    import signal

    from tui.hub.connect import DEFAULT_URL, check_url, public_url
    from tui.hub.server import Hub
    from tui.paths import log_dir
    from tui.runtime import Runtime

    config = getattr(args, "config_obj", None)
    url = args.redis or getattr(config, "hub", "") or DEFAULT_URL
    why = check_url(url)
    if why:
        say(f"aiwatch hub: {why}")
        return 2
    prefix = getattr(config, "hub_prefix", "aiwatch:")
    # the hub keeps what any client may show: a year of daily bars and the statements of every leased symbol
    runtime = Runtime(demo=args.demo, clock=_clock(args), seed=args.seed, rate=args.rate, faults=args.faults,
                      yahoo_url=args.yahoo_url, stream_url=args.stream_url, proxy=args.proxy, history_range="1y",
                      statements=True, tencent_url=args.tencent_url, sina_url=args.sina_url,
                      china_sources=china_sources(args))
    hub = Hub(url, runtime, prefix=prefix)
    what = "simulated data (--demo)" if args.demo else runtime.source_label
    say(f"aiwatch hub: {what} on {public_url(url)} (prefix {prefix!r}); clients: aiwatch --hub "
        f"{public_url(url)}; log: {log_dir() / 'aiwatch.log'}")

    async def run() -> str:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, hub.stop)
        return await hub.run()

    why = asyncio.run(run())
    log.info("aiwatch hub ended: %s", why)
    if why != "stopped":
        say(f"aiwatch hub: {why}: another hub holds the lock")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _apply_config(args)  # config.toml fills what the command line left unset
    setup_logging(getattr(args, "log_level", None) or "INFO")
    command = args.command or "run"
    if (command in ("run", "snapshot", "serve", "hub") and not args.demo and not getattr(args, "hub", None)
            and (args.at is not None or args.speed != 1.0)):
        parser.error("--at and --speed need --demo (the real markets run on real time)")
    handlers = {"run": cmd_run, "snapshot": cmd_snapshot, "simulate": cmd_simulate, "check": cmd_check,
                "portfolio": cmd_portfolio, "hub": cmd_hub,
                "serve": cmd_serve}
    try:
        return handlers[command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the terminal, the pipe it writes to (`| head`) or textual-serve's server went away: nothing is left to
        # show a message on, and any feed was stopped on the way out (the app on unmount, snapshot before printing)
        log.info("aiwatch %s ended: its output went away (broken pipe)", command)
        _drop_stdout()
        return 128 + 13  # what a shell reports for a command killed by SIGPIPE
    except Exception as exc:  # noqa: BLE001 - never a traceback on screen: say it, log it
        log.exception("aiwatch %s failed", command)
        from tui.paths import log_dir

        say(f"aiwatch: {exc.__class__.__name__}: {exc} (details in {log_dir() / 'aiwatch.log'})")
        return 1


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so Python's own flush at exit does not fail on the broken pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout: nothing to flush
        pass


if __name__ == "__main__":
    sys.exit(main())
