"""The `when` language: a small, safe expression over earlier nodes' outputs. Never `eval`.

    sentiment.confidence < 0.7 and sentiment.label == 'negative'
    not (review.passed or draft.words > 2000)
    'urgent' in classify.topics

Grammar (a tokenizer, then a recursive-descent parser to an AST, then an evaluator):

    expr       := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | comparison
    comparison := operand (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in') operand)?
    operand    := number | 'string' | "string" | true | false | null | path | '(' expr ')'
    path       := name ('.' name | '[' integer ']')*
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ..errors import WorkflowError

_TOKEN = re.compile(
    r"""\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<string>'[^']*'|"[^"]*")|(?P<op>==|!=|<=|>=|<|>|=|\(|\)|\.|\[|\])"""
    r"""|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"""
)
_SPACE = re.compile(r"\s*")
_LITERALS = {"true": True, "false": False, "True": True, "False": False, "null": None, "None": None}
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


class ExpressionError(ValueError):
    """A `when` that does not parse; `position` is where in the text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, op, name, end
    text: str
    position: int


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Ref:
    parts: tuple[str | int, ...]

    @cached_property
    def text(self) -> str:
        return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.parts)[1:]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp:
    op: str  # and, or
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    item: Expr


Expr = Literal | Ref | Compare | BoolOp | Not


def tokenize(text: str) -> list[Token]:
    tokens, position, end = [], 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            start = _SPACE.match(text, position).end()  # type: ignore[union-attr]
            raise ExpressionError(f"unexpected character {text[start]!r}", start)
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return [*tokens, Token("end", "", len(text))]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, text: str) -> bool:
        if self.current.kind in ("op", "name") and self.current.text == text:
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise ExpressionError(f"expected {text!r} here, found {self.current.text or 'the end'!r}", self.current.position)

    def parse(self) -> Expr:
        expr = self.disjunction()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self.current.text!r}: join conditions with 'and' or 'or'", self.current.position)
        return expr

    def disjunction(self) -> Expr:
        items = [self.conjunction()]
        while self.accept("or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def conjunction(self) -> Expr:
        items = [self.negation()]
        while self.accept("and"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def negation(self) -> Expr:
        if self.accept("not"):
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        op = self._comparison_op()
        return left if op is None else Compare(op, left, self.operand())

    def _comparison_op(self) -> str | None:
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS:
            return self.take().text
        if token.kind == "name" and token.text == "in":
            return self.take().text
        if token.kind == "name" and token.text == "not" and self.tokens[self.index + 1].text == "in":
            self.index += 2
            return "not in"
        if token.kind == "op" and token.text == "=":
            raise ExpressionError("use '==' to compare", token.position)
        return None

    def operand(self) -> Expr:
        token = self.take()
        if token.kind == "number":
            return Literal(float(token.text) if "." in token.text else int(token.text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "name" and token.text in _LITERALS:
            return Literal(_LITERALS[token.text])
        if token.kind == "name" and token.text not in ("and", "or", "not", "in"):
            return self.path(token.text)
        if token.text == "(":
            inner = self.disjunction()
            self.expect(")")
            return inner
        raise ExpressionError(f"expected a value or a field, found {token.text or 'the end'!r}", token.position)

    def path(self, first: str) -> Ref:
        parts: list[str | int] = [first]
        while True:
            if self.accept("."):
                name = self.take()
                if name.kind != "name":
                    raise ExpressionError("expected a field name after '.'", name.position)
                parts.append(name.text)
            elif self.accept("["):
                index = self.take()
                if index.kind != "number" or "." in index.text:
                    raise ExpressionError("expected a whole number inside [ ]", index.position)
                parts.append(int(index.text))
                self.expect("]")
            else:
                return Ref(tuple(parts))


@lru_cache(maxsize=1024)
def parse(text: str) -> Expr:
    """The AST of `text` (ASTs are immutable: one parse per text); ExpressionError saying what is wrong and where."""
    return _Parser(text).parse()


def references(expr: Expr) -> list[Ref]:
    """Every field the expression reads, in order."""
    if isinstance(expr, Ref):
        return [expr]
    if isinstance(expr, Compare):
        return [*references(expr.left), *references(expr.right)]
    if isinstance(expr, BoolOp):
        return [ref for item in expr.items for ref in references(item)]
    if isinstance(expr, Not):
        return references(expr.item)
    return []


Lookup = Callable[[Ref], Any]


def evaluate(expr: Expr, lookup: Lookup) -> Any:
    """The value of `expr`; `lookup` gives a field's value. WorkflowError for a comparison that cannot be made."""
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, Ref):
        return lookup(expr)
    if isinstance(expr, Not):
        return not evaluate(expr.item, lookup)
    if isinstance(expr, BoolOp):
        if expr.op == "and":
            return all(evaluate(item, lookup) for item in expr.items)
        return any(evaluate(item, lookup) for item in expr.items)
    return _compare(expr.op, evaluate(expr.left, lookup), evaluate(expr.right, lookup))


_ORDERED = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op in ("in", "not in"):
        if not isinstance(right, (list, str, dict)):
            raise WorkflowError(f"'{op}' needs a list or a text on its right, got {_kind(right)}")
        found = left in right if not isinstance(right, str) or isinstance(left, str) else False
        return found if op == "in" else not found
    if not _comparable(left, right):
        raise WorkflowError(f"cannot compare {_kind(left)} {left!r} with {_kind(right)} {right!r} using {op}")
    return bool(_ORDERED[op](left, right))


def _comparable(left: Any, right: Any) -> bool:
    numbers = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    return (isinstance(left, numbers) and isinstance(right, numbers)) or (isinstance(left, str) and isinstance(right, str))


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a text", list: "a list", dict: "an object"}.get(
        type(value), "nothing" if value is None else type(value).__name__
    )
