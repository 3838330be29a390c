"""What every command group of the ``matching`` CLI shares, and nothing else.

- :data:`app`, the typer application the group modules register their commands on, and its root callback
  (``--debug``);
- the consoles: :data:`out` (results, stdout) and :data:`err` (messages, progress, stderr);
- :data:`HomeOption` (``--home``) and :func:`open_engine`, the engine over that data home;
- :func:`errors`, the one translation of the engine's error tree into messages and exit codes:
  ``ValidationFailed`` -> the import report and exit 1, ``ConfigError`` -> exit 2, any other
  ``MatchingError`` -> exit 1;
- :func:`progress`, a transient progress bar on stderr (plain lines every few seconds when stderr is not a
  terminal, e.g. a log), and :func:`ensure_index`, which embeds what is new under one;
- printing shared by several groups: :func:`print_report` (an import report) and :func:`print_matches`
  (ranked IKMs with their reasons).

Group modules import this module and library code only, never each other.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.app.engine import Engine, demo_data_dir
from matching.catalogue.report import ImportReport
from matching.config import Settings
from matching.errors import ConfigError, MatchingError, ValidationFailed
from matching.ranking.explanations import Explanation

__all__ = [
    "DEV_QRELS",
    "STATE",
    "HomeOption",
    "app",
    "ensure_index",
    "err",
    "errors",
    "open_engine",
    "out",
    "print_matches",
    "print_report",
    "progress",
    "settings_for",
]

app = typer.Typer(
    name="matching",
    help="Buyer-IKM business-matching engine: import catalogues, rank IKMs for buyers, plan meetings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

STATE: dict[str, Any] = {"debug": False}  # set by the root callback, read by ``matching.cli.main.main``

DEV_QRELS = demo_data_dir().parent / "dev" / "qrels.txt"  # the bundled judged dev set (default labels)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Data home (database, caches). Default: $MATCHING_HOME, else ~/.local/share/ikm-matching.",
        file_okay=False,
    ),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")] = False,
) -> None:
    """Buyer-IKM business-matching engine."""
    STATE["debug"] = debug


def settings_for(home: Path | None) -> Settings:
    """The settings of data home ``home`` (default: ``$MATCHING_HOME``, else the user's data folder)."""
    return Settings(home=home) if home is not None else Settings()


def open_engine(home: Path | None, *, create: bool = False) -> Engine:
    """The engine over data home ``home``; the caller closes it.

    Only ``create`` (``init``, ``ingest``, ``demo``) may start a new store; otherwise a home without one
    is an error naming it (exit 2) and nothing is created on disk.
    """
    settings = settings_for(home)
    missing = None if create else settings.missing_store()
    if missing is not None:
        err.print(f"[bold red]error:[/] {missing}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    return Engine(settings)


@contextmanager
def errors() -> Iterator[None]:
    """Turn engine errors into messages and exit codes instead of tracebacks."""
    try:
        yield
    except ValidationFailed as exc:
        print_report(exc.report)
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except MatchingError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@contextmanager
def progress(
    label: str, *, every: float | None = None
) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """Progress on stderr; yields (advance, set_total).

    On a terminal: a transient bar. Otherwise (a pipe, a log file): a plain line every ``every`` seconds
    (default ``MATCHING_PROGRESS_EVERY``, 5) while the work runs, such as ``indexing: 12,800/40,000 (32%),
    1m05s elapsed, ~2m20s left``, and a final line when it ends.
    """
    if not err.is_terminal:
        plain = _PlainProgress(label, every if every is not None else Settings().progress_every)
        with plain:
            yield plain.advance, plain.set_total
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield (lambda n: bar.advance(task, n)), (lambda total: bar.update(task, total=total))


def _duration(seconds: float) -> str:
    """``42s``, ``1m05s``, ``2h03m``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class _PlainProgress:
    """Progress for logs: a line every ``every`` seconds from a background thread, and a final line."""

    def __init__(self, label: str, every: float) -> None:
        self.label, self.every = label, every
        self.done = 0
        self.total: int | None = None
        self._started = time.monotonic()
        # (time, done) at the last few lines: the time left comes from the recent rate, since work found
        # done (texts already in the embedding cache) is counted at once and the run's average would
        # promise far too little time after a resume
        self._recent: deque[tuple[float, int]] = deque(maxlen=10)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)

    def advance(self, n: int) -> None:
        self.done += n

    def set_total(self, total: int) -> None:
        self.total = total

    def line(self, *, final: bool = False) -> str:
        elapsed = time.monotonic() - self._started
        done, total = self.done, self.total
        count = f"{done:,}/{total:,} ({min(100, done * 100 // total)}%)" if total else f"{done:,}"
        if final:
            return f"{self.label}: done, {count}, in {_duration(elapsed)}"
        text = f"{self.label}: {count}, {_duration(elapsed)} elapsed"
        rate = self._rate(elapsed)
        if total and 0 < done < total and rate > 0:
            text += f", ~{_duration((total - done) / rate)} left"
        return text

    def _rate(self, elapsed: float) -> float:
        """Work a second over the recent lines, else over the whole run."""
        if len(self._recent) >= 2:
            (then, before), (now, after) = self._recent[0], self._recent[-1]
            if after > before and now > then:
                return (after - before) / (now - then)
        return self.done / elapsed if elapsed > 0 else 0.0

    def note(self) -> None:
        """Remember how much is done now (before each periodic line)."""
        self._recent.append((time.monotonic(), self.done))

    def _print(self, text: str) -> None:
        err.print(text, markup=False, highlight=False, soft_wrap=True)

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self.note()
            self._print(self.line())

    def __enter__(self) -> _PlainProgress:
        self._ticker.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._ticker.join()
        if exc_info[0] is None:
            self._print(self.line(final=True))


def ensure_index(engine: Engine) -> None:
    """Embed what is new or changed before ranking, with a progress bar (a no-op when up to date)."""
    with progress("embedding new or changed products") as (advance, set_total):
        engine.index(progress=advance, on_total=set_total)


def print_report(report: ImportReport, *, limit: int = 200) -> None:
    """The import report as a table of counts on stdout, then its first ``limit`` problems on stderr."""
    table = Table(title="Import" + (" (dry run: nothing written)" if report.dry_run else ""))
    for column in ("entity", "created", "updated", "unchanged", "rejected rows"):
        table.add_column(column, justify="right" if column != "entity" else "left")
    for entity, counts in report.counts.items():
        table.add_row(
            entity.value,
            str(counts.created),
            str(counts.updated),
            str(counts.unchanged),
            str(counts.rejected),
        )
    out.print(table)
    for issue in report.issues[:limit]:
        style = "red" if issue.severity == "error" else "yellow"
        err.print(f"[{style}]{issue.severity}[/]: {issue}", markup=True, highlight=False, soft_wrap=True)
    if len(report.issues) > limit:
        err.print(f"... and {len(report.issues) - limit} more; use --report FILE for the listed ones")
    if report.omitted:
        err.print(
            f"{report.error_count:,} error(s) and {report.warning_count:,} warning(s) in all; "
            f"{report.omitted:,} are counted per kind above, not listed one by one"
        )


def print_matches(results: list[Explanation], *, lang: str = "en", limit_products: int = 2) -> None:
    """Ranked IKMs, each with its score, first products and the reasons why (in ``lang``)."""
    if not results:
        out.print("no matching IKM")
        return
    for rank, x in enumerate(results, start=1):
        products = "; ".join(p["name"] for p in x.products[:limit_products])
        out.print(f"[bold]{rank:>2}. {x.ikm_name}[/] ({x.ikm_id}, {x.province})  score {x.score:.3f}")
        out.print(f"    [dim]products:[/] {products}", highlight=False)
        why = x.summary(lang)
        if why:
            out.print(f"    [dim]why:[/] {why}", highlight=False)
