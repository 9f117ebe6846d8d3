"""`labcloud costs`: the bill as text tables, by resource and by service, with the total.

Plain text rather than a DataFrame's repr so the table reads the same in a shell, a `!` cell
and a CI log; the numbers come from the server's ledger (`billing.fetch`), the same ones
`labcloud.billing.bill()` returns to a notebook.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}"


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def render(data: dict) -> str:
    """The ledger as two tables and a total line, most expensive first."""
    items = sorted(data["items"], key=lambda i: -(i["cost_usd"] or 0))
    when = datetime.fromtimestamp(data["time"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    out = [f"labcloud bill at {when} (cloud clock), prices: {data['prices']}", ""]
    if not items:
        out += ["No billable resources yet.", "", f"Total: {_money(data['total_usd'])}"]
        return "\n".join(out)
    rows = [[i["resource"], i["service"], i["usage"], str(i["instance_type"]), str(i["count"]),
             _hours(i["seconds"]), _money(i["usd_per_hour"]), _money(i["cost_usd"]),
             str(i["status"] or "")] for i in items]
    out += ["By resource:"]
    out += _table(["resource", "service", "usage", "instance type", "count", "hours",
                   "$/hour", "cost", "status"], rows, right={4, 5, 6, 7})
    per_service: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0, 0.0])
    for i in items:
        acc = per_service[(i["service"], i["usage"])]
        acc[0] += 1
        acc[1] += i["seconds"] * i["count"]
        acc[2] += i["cost_usd"] or 0
    service_rows = [[s, u, str(n), _hours(sec), _money(cost)]
                    for (s, u), (n, sec, cost) in sorted(per_service.items(),
                                                          key=lambda kv: -kv[1][2])]
    out += ["", "By service:"]
    out += _table(["service", "usage", "resources", "instance-hours", "cost"], service_rows,
                  right={2, 3, 4})
    out += ["", f"Total: {_money(data['total_usd'])}"]
    return "\n".join(out)
