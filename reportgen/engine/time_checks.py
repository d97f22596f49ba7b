"""Registry checks about time: a figure's quantity against its window, dated values, meeting keys."""

from __future__ import annotations

import datetime as dt

from reportgen.engine.periods import EXAMPLES, parse_period
from reportgen.errors import PeriodError

# Which windows suit each quantity: a stock is a state on a day, a flow adds up over a span, a
# monthly figure is one month's amount (paid in the cut-off's month, or a monthly rate at the cut-off).
QUANTITY_WINDOWS = {"stock": ("as_of", "year_start", "before_period", "all"),
                    "flow": ("ytd", "period", "period_ytd", "span", "all", "quarters"),
                    "monthly": ("month", "as_of")}


def check_figure(fig, at: tuple, add) -> None:
    """A declared quantity suits the window; dated registry values are well formed."""
    if fig.values is not None:
        _check_dated_values(fig, at, add)
    window = fig.window if isinstance(fig.window, str) or fig.window is None else "quarters"
    if fig.quantity and fig.kind == "ledger" and window and window not in QUANTITY_WINDOWS[fig.quantity]:
        add(at + ("window",), f"a {fig.quantity} figure takes another window", window,
            f"for a {fig.quantity}: {', '.join(QUANTITY_WINDOWS[fig.quantity])}")


def _check_dated_values(fig, at: tuple, add) -> None:
    """Dated registry values: at least one, in date order, no two on one day; stock or flow."""
    days = [v.date for v in fig.values]
    if not days:
        add(at + ("values",), "a registry figure needs at least one dated value")
    elif days != sorted(set(days)):
        add(at + ("values",), "dated values must run in date order, one per day",
            ", ".join(d.isoformat() for d in days))
    if fig.quantity == "monthly":
        add(at + ("quantity",), "dated registry values are stocks or flows", fig.quantity, "stock or flow")


def check_meeting(key: str, meeting: dict, add) -> None:
    """A meeting is keyed by a period, or PERIOD@YYYY-MM-DD whose date is the meeting's day."""
    name, _, day = key.partition("@")
    try:
        parse_period(name)
    except PeriodError:
        add(("meetings", key), "a meeting is keyed by its period", key, f"{EXAMPLES}, or PERIOD@YYYY-MM-DD")
        return
    if not day:
        return
    try:
        delivered = dt.date.fromisoformat(day)
    except ValueError:
        add(("meetings", key), "malformed delivery date in the key", key, "PERIOD@YYYY-MM-DD")
        return
    if meeting.get("date", delivered) != delivered:
        add(("meetings", key, "date"), "the meeting's date differs from the day in its key",
            str(meeting.get("date")), delivered.isoformat())
