"""One minute of one metric: what CloudWatch keeps to answer every statistic of that minute.

SampleCount, Sum, Minimum and Maximum merge exactly. Percentiles need the values themselves, so
an aggregate also keeps weighted samples; past `MAX_SAMPLES` distinct values the closest pairs
are merged (a histogram that keeps its total weight), which bounds a busy endpoint's row while
p50/p99 stay close. CloudWatch cannot give percentiles for a statistic set whose values it
never saw (SampleCount > 1 and Minimum != Maximum), and neither can labcloud: such an aggregate
is marked `exact = False` and answers no percentiles.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

MAX_SAMPLES = 2000


@dataclass
class Aggregate:
    count: float = 0.0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    samples: dict[float, float] = field(default_factory=dict)  # value -> weight
    exact: bool = True

    def add(self, value: float, weight: float = 1.0) -> None:
        self.count += weight
        self.sum += value * weight
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        samples = self.samples
        samples[value] = samples.get(value, 0.0) + weight

    def add_set(self, count: float, total: float, low: float, high: float) -> None:
        """A statistic set (PutMetricData StatisticValues)."""
        self.count += count
        self.sum += total
        self.min = min(self.min, low)
        self.max = max(self.max, high)
        if count == 1 or low == high:
            self.samples[low] = self.samples.get(low, 0.0) + count
        else:
            self.exact = False

    def merge(self, other: "Aggregate") -> None:
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        for value, weight in other.samples.items():
            self.samples[value] = self.samples.get(value, 0.0) + weight
        self.exact = self.exact and other.exact
        self.compact()

    def compact(self) -> None:
        if len(self.samples) <= MAX_SAMPLES:
            return
        items = sorted(self.samples.items())
        while len(items) > MAX_SAMPLES:  # merge neighbours pairwise, weight-averaged
            merged = []
            for i in range(0, len(items) - 1, 2):
                (v1, w1), (v2, w2) = items[i], items[i + 1]
                merged.append(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2))
            if len(items) % 2:
                merged.append(items[-1])
            items = merged
        self.samples = dict(items)

    # ---- storage ---------------------------------------------------------------------------
    def samples_json(self) -> str:
        return json.dumps(sorted(self.samples.items()))

    @classmethod
    def from_row(cls, row) -> "Aggregate":
        return cls(row["count"], row["sum"], row["min"], row["max"],
                   {v: w for v, w in json.loads(row["samples"])}, bool(row["exact"]))


def combined(parts: list[Aggregate]) -> Aggregate:
    total = Aggregate()
    for part in parts:
        total.merge(part)
    return total


def statistic(agg: Aggregate, name: str) -> float | None:
    """A basic statistic (SampleCount, Average, Sum, Minimum, Maximum) or a percentile pNN."""
    if name == "SampleCount":
        return agg.count
    if name == "Sum":
        return agg.sum
    if name == "Average":
        return agg.sum / agg.count if agg.count else None
    if name == "Minimum":
        return agg.min
    if name == "Maximum":
        return agg.max
    p = percentile_of(name)
    if p is None or not agg.exact or not agg.samples or agg.min < 0:
        return None  # AWS: no percentiles for statistic sets or negative values
    return percentile(agg, p)


def percentile_of(name: str) -> float | None:
    """50.0 for 'p50', 99.9 for 'p99.9'; None if `name` is not a percentile in 0..100."""
    if len(name) < 2 or name[0] != "p":
        return None
    text = name[1:]
    if not text.replace(".", "", 1).isdigit() or text.startswith(".") or text.endswith("."):
        return None
    if "." in text and len(text.split(".")[1]) > 10:
        return None
    value = float(text)
    return value if 0 <= value <= 100 else None


def percentile(agg: Aggregate, p: float) -> float:
    """The smallest value whose cumulative weight reaches p% of the total (nearest rank)."""
    items = sorted(agg.samples.items())
    total = sum(w for _, w in items)
    if p <= 0:
        return items[0][0]
    goal = total * p / 100.0
    running = 0.0
    for value, weight in items:
        running += weight
        if running >= goal - 1e-9:
            return value
    return items[-1][0]
