"""Metric math for GetMetricData: the part of CloudWatch's expression language a course needs.

An error rate (`errors / invocations * 100`), a total over variants (`SUM([a, b])` or
`SUM(METRICS())`), a gap filled with zeros (`FILL(m1, 0)`): numbers, query Ids, + - * / with
parentheses and unary minus, arrays `[m1, m2]`, and the functions SUM, AVG, MIN, MAX (a number
for one time series, a time series for an array, as AWS defines them), ABS, FILL and METRICS.
As on AWS, arithmetic between two time series keeps the timestamps both have, and a division by
zero gives no datapoint. Anything else (Metrics Insights SELECT, SEARCH, ANOMALY_DETECTION_BAND,
other functions) is refused with an error that names the unsupported part.
"""
from __future__ import annotations

import math
import operator
import re
from typing import Callable, Union

Series = dict[int, float]  # period start (epoch seconds) -> value
Value = Union[float, Series, list]

TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|"
                   r"('[^']*'|\"[^\"]*\")|(.))")
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


class ExpressionError(Exception):
    """A message for the caller; the service wraps it in AWS's ValidationError."""


class Env:
    """What an expression can see: the other queries' results, their labels and the time grid."""

    def __init__(self, lookup: Callable[[str], Series], labels: dict[str, str],
                 metric_ids: list[str], grid: list[int]):
        self.lookup, self.labels, self.metric_ids, self.grid = lookup, labels, metric_ids, grid


def tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for number, name, string, other in TOKEN.findall(text):
        if number:
            out.append(("num", number))
        elif name:
            out.append(("name", name))
        elif string:
            out.append(("str", string[1:-1]))
        elif other.strip():
            out.append(("op", other))
    return out


def references(text: str) -> set[str]:
    """The query Ids an expression names (identifiers not called as functions)."""
    items = tokens(text)
    return {value for i, (kind, value) in enumerate(items) if kind == "name"
            and not (i + 1 < len(items) and items[i + 1] == ("op", "("))}


def evaluate(text: str, env: Env) -> Series:
    parser = _Parser(tokens(text), env)
    value = parser.expression()
    if parser.pos != len(parser.items):
        raise ExpressionError(f"Unexpected {parser.items[parser.pos][1]!r}.")
    if isinstance(value, list):
        raise ExpressionError("The expression returns several time series; combine them into "
                              "one, e.g. with SUM([...]).")
    if not isinstance(value, dict):
        raise ExpressionError("The expression returns a single number, not a time series.")
    return value


class _Parser:
    def __init__(self, items: list[tuple[str, str]], env: Env):
        self.items, self.pos, self.env = items, 0, env

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self, value: str) -> None:
        token = self.peek()
        if token is None or token[1] != value:
            raise ExpressionError(f"Expected {value!r}" + (f" at {token[1]!r}." if token else
                                                           " at the end."))
        self.pos += 1

    def expression(self) -> Value:
        return self._chain(self.term, "+-")

    def term(self) -> Value:
        return self._chain(self.factor, "*/")

    def _chain(self, operand: Callable[[], Value], symbols: str) -> Value:
        """operand (op operand)*, left to right: one precedence level."""
        value = operand()
        while (token := self.peek()) and token[0] == "op" and token[1] in symbols:
            self.pos += 1
            value = combine(OPS[token[1]], value, operand())
        return value

    def factor(self) -> Value:
        token = self.peek()
        if token is None:
            raise ExpressionError("The expression ends too early.")
        kind, text = token
        self.pos += 1
        if kind == "num":
            return float(text)
        if kind == "op" and text == "-":
            return combine(operator.mul, -1.0, self.factor())
        if kind == "op" and text == "(":
            value = self.expression()
            self.take(")")
            return value
        if kind == "op" and text == "[":
            items = [self.expression()]
            while self.peek() and self.peek()[1] == ",":
                self.pos += 1
                items.append(self.expression())
            self.take("]")
            return [s for item in items for s in (item if isinstance(item, list) else [item])]
        if kind == "name" and self.peek() and self.peek()[1] == "(":
            self.pos += 1
            args = []
            if self.peek() and self.peek()[1] != ")":
                args.append(self.argument())
                while self.peek() and self.peek()[1] == ",":
                    self.pos += 1
                    args.append(self.argument())
            self.take(")")
            return self.call(text.upper(), args)
        if kind == "name":
            return dict(self.env.lookup(text))
        raise ExpressionError(f"Unexpected {text!r}.")

    def argument(self) -> Value | str:
        token = self.peek()
        if token is not None and token[0] == "str":
            self.pos += 1
            return token[1]
        return self.expression()

    def call(self, name: str, args: list) -> Value:
        if name == "METRICS":
            wanted = args[0] if args else ""
            return [dict(self.env.lookup(i)) for i in self.env.metric_ids
                    if wanted in self.env.labels.get(i, i)]
        if name in ("SUM", "AVG", "MIN", "MAX") and len(args) == 1:
            return aggregate(name, args[0])
        if name == "ABS" and len(args) == 1:
            return combine(lambda a, _b: abs(a), args[0], 0.0)
        if name == "FILL" and len(args) == 2 and isinstance(args[1], float):
            fill = args[1]
            return _each(args[0], lambda s: {t: s.get(t, fill) for t in self.env.grid})
        raise ExpressionError(f"The function {name} with {len(args)} argument(s) is not "
                              "supported by labcloud.")


def _each(value: Value, fn: Callable[[Series], Series]) -> Value:
    if isinstance(value, list):
        return [fn(s) for s in value]
    if isinstance(value, dict):
        return fn(value)
    raise ExpressionError("Expected a time series.")


def aggregate(name: str, value: Value) -> Value:
    reduce = {"SUM": sum, "AVG": lambda v: sum(v) / len(v), "MIN": min, "MAX": max}[name]
    if isinstance(value, dict):  # one time series: a number (none without datapoints)
        return float(reduce(list(value.values()))) if value else math.nan
    if isinstance(value, list):  # an array: a time series, point by point
        stamps = sorted({t for s in value for t in s})
        return {t: float(reduce([s[t] for s in value if t in s])) for t in stamps}
    raise ExpressionError(f"{name} takes a time series or an array of time series.")


def combine(op, left: Value, right: Value) -> Value:
    if isinstance(left, list) or isinstance(right, list):
        lefts = left if isinstance(left, list) else None
        rights = right if isinstance(right, list) else None
        if lefts is not None and rights is not None:
            raise ExpressionError("Arithmetic between two arrays of time series is not "
                                  "supported.")
        if lefts is not None:
            return [combine(op, item, right) for item in lefts]
        return [combine(op, left, item) for item in rights]
    if isinstance(left, dict) or isinstance(right, dict):
        stamps = (left.keys() & right.keys()) if isinstance(left, dict) and \
            isinstance(right, dict) else (left if isinstance(left, dict) else right).keys()
        out = {}
        for t in sorted(stamps):
            a = left[t] if isinstance(left, dict) else left
            b = right[t] if isinstance(right, dict) else right
            value = _apply(op, a, b)
            if value is not None:
                out[t] = value
        return out
    value = _apply(op, left, right)
    return math.nan if value is None else value  # a number without a value, like AWS's


def _apply(op, a: float, b: float) -> float | None:
    try:
        value = op(a, b)
    except ZeroDivisionError:
        return None
    return value if math.isfinite(value) else None
