"""LATENCY: the latency monitor's events and the per-command latency histograms (server/latency.py; the
dispatcher feeds both)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from redvector.commands import latency_report
from redvector.commands.args import subcommand
from redvector.commands.context import CommandContext
from redvector.commands.spec import CommandGroup, CommandTable, Flag, Sub
from redvector.errors import RedVectorError
from redvector.replies import Map, SimpleString, Verbatim
from redvector.server.latency import cumulative

group = CommandGroup("server")

_ARITIES = {b"LATEST": 2, b"DOCTOR": 2, b"GRAPH": 3, b"HISTORY": 3, b"RESET": -2, b"HELP": 2, b"HISTOGRAM": -2}

_HELP = [
    b"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DOCTOR",
    b"    Return a human readable latency analysis report.",
    b"GRAPH <event>",
    b"    Return an ASCII latency graph for the <event> class.",
    b"HISTORY <event>",
    b"    Return time-latency samples for the <event> class.",
    b"LATEST",
    b"    Return the latest latency samples for all events.",
    b"RESET [<event> ...]",
    b"    Reset latency data of one or more <event> classes.",
    b"    (default: reset all data for all event classes)",
    b"HISTOGRAM [COMMAND ...]",
    b"    Return a cumulative distribution of latencies in the format of a histogram for the specified command "
    b"names.",
    b"    If no commands are specified then all histograms are replied.",
    b"HELP",
    b"    Print this help.",
]


def _full_names(table: CommandTable, name: bytes) -> Iterator[str]:
    """The full names a LATENCY HISTOGRAM argument stands for: a command, ``container|sub``, or a
    container (each of its subcommands); nothing for an unknown one."""
    container, bar, sub = name.partition(b"|")
    spec = table.lookup(container)
    if spec is None:
        return
    if bar:
        wanted = sub.decode("latin-1").upper()
        if wanted in spec.subcommands:
            yield f"{spec.display}|{wanted.lower()}"
        return
    yield spec.display
    for each in spec.subcommands:
        yield f"{spec.display}|{each.lower()}"


def _histograms(ctx: CommandContext, names: list[bytes]) -> Map:
    histograms = ctx.server.latency.histograms
    if names:
        wanted = [full for name in names for full in _full_names(ctx.dispatcher.table, name)]
    else:
        wanted = list(histograms)
    out: list[tuple[Any, Any]] = []
    for full in wanted:
        counts = histograms.get(full)
        if counts is not None:
            out.append((full, Map([("calls", sum(counts.values())), ("histogram_usec", Map(cumulative(counts)))])))
    return Map(out)


# LATENCY's subcommands as Redis 7.4 declares them (COMMAND INFO latency|<sub>).
_LATENCY_SUBS = (
    Sub("LATEST", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns the latest latency samples for all events."),
    Sub("DOCTOR", 2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns a human-readable latency analysis report."),
    Sub("GRAPH", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns a latency graph for an event."),
    Sub("HISTORY", 3, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns timestamp-latency samples for an event."),
    Sub("RESET", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Resets the latency data for one or more events."),
    Sub("HELP", 2, Flag.LOADING | Flag.STALE, since="2.8.13",
        summary="Returns helpful text about the different subcommands."),
    Sub("HISTOGRAM", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="7.0.0",
        summary="Returns the cumulative distribution of latencies of a subset or all commands."),
)


@group.command("LATENCY", -2, Flag.ADMIN | Flag.NOSCRIPT | Flag.LOADING | Flag.STALE, since="2.8.13",
               subcommands=_LATENCY_SUBS,
               summary="A container for latency diagnostics commands.")
def latency(ctx: CommandContext, argv: list[bytes]) -> Any:
    sub = subcommand(argv, _ARITIES, "latency")
    monitor = ctx.server.latency
    if sub == b"LATEST":
        return [[name.encode(), series.samples[-1][0], series.samples[-1][1], series.max]
                for name, series in monitor.events.items()]
    if sub == b"HISTORY":
        series = monitor.events.get(argv[2].decode("latin-1"))
        return [] if series is None else [list(sample) for sample in series.samples]
    if sub == b"GRAPH":
        event = argv[2].decode("latin-1")
        series = monitor.events.get(event)
        if series is None:
            raise RedVectorError(f"No samples available for event '{event}'")
        return Verbatim(latency_report.graph(event, series).encode())
    if sub == b"DOCTOR":
        return Verbatim(latency_report.doctor(monitor, ctx.server.config).encode())
    if sub == b"RESET":
        if len(argv) == 2:
            return monitor.reset()
        return sum(monitor.reset(event) for event in argv[2:])
    if sub == b"HISTOGRAM":
        return _histograms(ctx, argv[2:])
    return [SimpleString(line) for line in _HELP]
