"""`pool run`: the negotiate-and-dispatch loop, with a live view of its cycles."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from negotiator.cli.pool.app import app, err, open_queue, pool_dir

PASS_SECONDS = 0.05  # how often the loop looks at its containers and the queue


@app.command("run")
def run(
    once: Annotated[bool, typer.Option(
        "-once", "--once", help="One negotiation cycle: adopt what runs, match, start, exit.")] = False,
    until_done: Annotated[bool, typer.Option(
        "-until-done", "--until-done", help="Exit once no job is idle or running.")] = False,
    interval: Annotated[float | None, typer.Option(
        "-interval", "--interval", help="Seconds between cycles (NEGOTIATOR_INTERVAL).",
        min=0.01, show_default=False)] = None,
) -> None:
    """Run the pool: match idle jobs to the execute nodes' slots and run them in containers."""
    from negotiator.pool.loop import PoolLoop
    from negotiator.pool.settings import load_settings

    directory = pool_dir().expanduser().resolve()
    settings = load_settings(directory, interval)
    for warning in settings.negotiator.warnings:
        err.print(f"pool: warning: {warning}", markup=False)
    live = sys.stdout.isatty()
    console = Console(highlight=False)
    plain = (lambda line: None) if live else (lambda line: _plain(line))
    stop = threading.Event()
    _on_signals(stop)
    with open_queue() as queue:
        loop = PoolLoop(settings, queue, say=plain)
        loop.start()
        try:
            if once:
                _once(loop)
            elif live:
                with Live(_view(loop, queue), console=console, refresh_per_second=4,
                          transient=False) as screen:
                    _spin(loop, stop, until_done, lambda: screen.update(_view(loop, queue)))
            else:
                _spin(loop, stop, until_done, None)
        finally:
            loop.publish(time.time())
            loop.close()
    if not live:
        c = loop.counters
        _plain(f"stopped: {c.cycles} cycles, {c.started} starts, {c.completed} completed, "
               f"{c.held} held, {c.removed} removed, {c.evicted} evicted")


def _on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def _spin(loop: Any, stop: threading.Event, until_done: bool, refresh: Any) -> None:
    last_view = 0.0
    while not stop.is_set():
        loop.step()
        if refresh is not None and time.monotonic() - last_view > 0.25:
            refresh()
            last_view = time.monotonic()
        if until_done and not loop.idle_work():
            break
        stop.wait(PASS_SECONDS)


def _once(loop: Any) -> None:
    """One cycle now; wait until its starts have their containers, then leave them running."""
    loop.last_cycle = float("-inf")
    loop.step()
    deadline = time.monotonic() + 300
    while any(r.launching is not None for r in loop.running.values()) and time.monotonic() < deadline:
        time.sleep(PASS_SECONDS)
        loop.step()
    result = loop.counters.last_cycle
    matches = len(result.matches) if result is not None else 0
    _plain(f"one cycle: {matches} matches, {loop.counters.started} started, "
           f"{len(loop.running)} running")


def _plain(line: str) -> None:
    stamp = time.strftime("%m/%d %H:%M:%S")
    sys.stdout.write(f"{stamp} {line}\n")
    sys.stdout.flush()


def _view(loop: Any, queue: Any) -> Group:
    c = loop.counters
    counts = queue.count_by_status()
    head = Text.assemble(
        ("pool run ", "bold"), f"{loop.settings.directory}  ",
        f"cycles {c.cycles}  matches {c.matches}  starts {c.started}  ",
        ("completed ", "green"), str(c.completed), "  ", ("held ", "yellow"), str(c.held),
        f"  removed {c.removed}  evicted {c.evicted}  adopted {c.adopted}")
    jobs = Text(f"queue: {counts.get(1, 0)} idle, {counts.get(2, 0)} running, "
                f"{counts.get(5, 0)} held, {counts.get(3, 0)} removing")
    last = c.last_cycle
    cycle = Text(f"last cycle: {len(last.matches)} matches, {len(last.submitters)} submitters, "
                 f"{c.last_cycle_seconds * 1000:.0f} ms" if last is not None else "no cycle yet")
    nodes = Table(box=None, pad_edge=False)
    for column in ("Node", "Engine", "State", "Cpus", "Memory", "Jobs"):
        nodes.add_column(column)
    for node in loop.nodes:
        total_cpus = int(node.machine.get("Cpus", 0))
        total_mem = int(node.machine.get("Memory", 0))
        free = node.free()
        state = Text("up", "green") if node.alive else Text("down", "red")
        nodes.add_row(node.name, node.url, state, f"{total_cpus - free[0]}/{total_cpus}",
                      f"{total_mem - free[1]}/{total_mem} MB", str(len(node.dslots)))
    events = Text("\n".join(c.events[-8:]), style="dim")
    return Group(head, jobs, cycle, nodes, events)
