"""Exact arithmetic for the agent: a safe expression evaluator, never eval().

The expression is parsed with ``ast`` and walked node by node. Only numbers,
unary + and -, the operators + - * / // % **, parentheses and the names in
``FUNCTIONS`` and ``CONSTANTS`` are accepted; anything else is rejected with a
``ValueError`` naming the construct. ``^`` means power (``2^10 == 2**10``),
because that is what people type; there is no bitwise XOR.

Arithmetic is exact: number literals become ``fractions.Fraction`` (``0.1 + 0.2``
is exactly ``3/10``). When a result cannot be exact (pi, e, the square root of
a non-square, a non-integer power) it falls back to ``float``. ``evaluate``
therefore returns a Fraction for exact results and a float for approximate
ones, and ``format_result`` marks the latter with "≈".
"""
from __future__ import annotations

import ast
import math
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from agentsh import tool

Number = Fraction | float

MAX_LENGTH = 1_000
MAX_DIGITS = 10_000
MAX_BITS = math.ceil(MAX_DIGITS * math.log2(10))
SIGNIFICANT_DIGITS = 15
PREVIEW_DIGITS = 12
FLOAT_INTEGER_LIMIT = 2**53
MAX_DECIMAL_PLACES = 50


class _Problem(Exception):
    """An arithmetic failure; the evaluator adds the offending sub-expression."""


def _integer_result(result: int | float, *inputs: Number) -> Number:
    """Rounding a float is exact only below 2**53, where floats still hold every integer."""
    if any(isinstance(x, float) for x in inputs) and abs(result) >= FLOAT_INTEGER_LIMIT:
        return float(result)
    return Fraction(result)


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise _Problem("square root of a negative number")
    exact = _exact_sqrt(x) if isinstance(x, Fraction) else None
    return math.sqrt(x) if exact is None else exact


def _round(x: Number, places: Number | None = None) -> Number:
    if places is None:
        return _integer_result(round(x), x)
    places = _as_int(places, "round() digits")
    if abs(places) > MAX_DIGITS:
        raise _Problem(f"round() digits must be between -{MAX_DIGITS:,} and {MAX_DIGITS:,}")
    return x.__round__(places)  # as round(x, places), typed per member (mypy types round() of a union as object)


FUNCTIONS = {
    "sqrt": (_sqrt, "sqrt(x)"),
    "abs": (abs, "abs(x)"),
    "round": (_round, "round(x) or round(x, digits)"),
    "min": (min, "min(a, b, ...)"),
    "max": (max, "max(a, b, ...)"),
    "floor": (lambda x: _integer_result(math.floor(x), x), "floor(x)"),
    "ceil": (lambda x: _integer_result(math.ceil(x), x), "ceil(x)"),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
ALLOWED_NAMES = ", ".join([*FUNCTIONS, *CONSTANTS])

OPERATOR_SYMBOLS = {
    ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&",
    ast.BitXor: "^", ast.MatMult: "@", ast.Not: "not", ast.Invert: "~",
}
CONSTRUCT_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension",
    ast.DictComp: "comprehension", ast.GeneratorExp: "comprehension",
    ast.List: "list", ast.Tuple: "tuple", ast.Dict: "dict", ast.Set: "set",
    ast.Compare: "comparison", ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression", ast.JoinedStr: "f-string",
    ast.NamedExpr: "assignment", ast.Starred: "unpacking",
}
LITERAL_NAMES = {str: "string", bytes: "bytes", bool: "boolean", complex: "complex number"}


def _is_integer(value: Number) -> bool:
    return isinstance(value, Fraction) and value.denominator == 1


def _as_int(value: Number, what: str) -> int:
    if not _is_integer(value):
        raise _Problem(f"{what} must be a whole number")
    return int(value)


def _exact_sqrt(x: Fraction) -> Fraction | None:
    top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if top * top == x.numerator and bottom * bottom == x.denominator:
        return Fraction(top, bottom)
    return None


def _exact_power(base: Fraction, exponent: int) -> Fraction:
    size = max(abs(base.numerator), base.denominator)
    digits = abs(exponent) * math.log10(size) if size > 1 else 0
    if digits > MAX_DIGITS:
        raise _Problem(f"result would have about {digits:,.0f} digits (limit {MAX_DIGITS:,})")
    return base**exponent


def _power(base: Number, exponent: Number) -> Number:
    if isinstance(base, Fraction) and _is_integer(exponent):
        return _exact_power(base, int(exponent))
    if isinstance(base, Fraction) and isinstance(exponent, Fraction) and base >= 0:
        root = _exact_sqrt(base) if exponent.denominator == 2 else None
        if root is not None:
            return _exact_power(root, exponent.numerator)
    if base < 0 and not float(exponent).is_integer():
        raise _Problem("a negative number to a fractional power has no real result")
    return float(base) ** float(exponent)


BINARY_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: _integer_result(a // b, a, b),
    ast.Mod: lambda a, b: a % b,
    ast.Pow: _power,
}
UNARY_OPERATORS = {ast.UAdd: lambda a: +a, ast.USub: lambda a: -a}


def _checked(value: Number) -> Number:
    if isinstance(value, float) and not math.isfinite(value):
        raise _Problem("result is too large to represent")
    if isinstance(value, Fraction) and max(abs(value.numerator), value.denominator).bit_length() > MAX_BITS:
        raise _Problem(f"result has more than {MAX_DIGITS:,} digits")
    return value


def _literal(text: str) -> Fraction:
    try:
        number = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise _Problem("not a decimal number") from None
    if not number.is_finite() or abs(int(number.as_tuple().exponent)) > MAX_DIGITS:
        raise _Problem(f"number out of range (at most {MAX_DIGITS:,} digits)")
    return Fraction(number)


class _Evaluator:
    """Walks a parsed expression; one ``visit_<NodeType>`` method per allowed node."""

    def __init__(self, source: str):
        self.source = source

    def visit(self, node: ast.AST) -> Number:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise self.error(f"unsupported {CONSTRUCT_NAMES.get(type(node), type(node).__name__)}", node)
        return method(node)

    def visit_Expression(self, node: ast.Expression) -> Number:
        return self.visit(node.body)

    def visit_Constant(self, node: ast.Constant) -> Number:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(f"unsupported {LITERAL_NAMES.get(type(value), repr(value))}", node)
        with self.reporting(node):
            return _checked(Fraction(value) if isinstance(value, int) else _literal(self.segment(node)))

    def visit_Name(self, node: ast.Name) -> Number:
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise ValueError(f"'{node.id}' is a function; call it like {FUNCTIONS[node.id][1]}")
        raise ValueError(f"unsupported name '{node.id}' (allowed: {ALLOWED_NAMES})")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Number:
        return self.operate(UNARY_OPERATORS, node, self.visit(node.operand))

    def visit_BinOp(self, node: ast.BinOp) -> Number:
        return self.operate(BINARY_OPERATORS, node, self.visit(node.left), self.visit(node.right))

    def visit_Call(self, node: ast.Call) -> Number:
        function, usage = self.function(node)
        arguments = [self.visit(argument) for argument in node.args]
        with self.reporting(node):
            try:
                return _checked(function(*arguments))
            except TypeError:
                raise _Problem(f"wrong number of arguments (usage: {usage})") from None

    def function(self, node: ast.Call) -> tuple:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = f"function '{name}'" if name else "call"
            raise self.error(f"unsupported {shown} (allowed functions: {', '.join(FUNCTIONS)})", node)
        if node.keywords:
            raise self.error(f"keyword arguments are not supported (usage: {FUNCTIONS[name][1]})", node)
        return FUNCTIONS[name]

    def operate(self, operators: dict, node: ast.UnaryOp | ast.BinOp, *operands: Number) -> Number:
        apply = operators.get(type(node.op))
        if apply is None:
            symbol = OPERATOR_SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise self.error(f"unsupported operator '{symbol}'", node)
        with self.reporting(node):
            return _checked(apply(*operands))

    @contextmanager
    def reporting(self, node: ast.AST):
        try:
            yield
        except ZeroDivisionError:
            raise self.error("division by zero", node) from None
        except OverflowError:
            raise self.error("result is too large", node) from None
        except _Problem as problem:
            raise self.error(str(problem), node) from None

    def error(self, message: str, node: ast.AST) -> ValueError:
        return ValueError(f"{message} in '{self.segment(node)}'")

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or self.source


def _parse(expression: str) -> tuple[str, ast.Expression]:
    if not isinstance(expression, str):
        raise ValueError(f"expression must be a string, not {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise ValueError(f"expression is {len(expression):,} characters long (limit {MAX_LENGTH:,})")
    source = " ".join(expression.replace("^", "**").split())
    if not source:
        raise ValueError("empty expression")
    try:
        return source, ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"invalid syntax in '{source}': {error.msg}") from None


def evaluate(expression: str) -> Number:
    """Return the exact value as a Fraction, or a float when it is approximate."""
    source, tree = _parse(expression)
    try:
        return _Evaluator(source).visit(tree)
    except (RecursionError, MemoryError):
        raise ValueError(f"expression is nested too deeply: '{source[:50]}...'") from None


def _digits(number: int) -> str:
    return format(Decimal(number), "f")


def _decimal_places(denominator: int) -> int | None:
    twos = (denominator & -denominator).bit_length() - 1
    rest, fives = denominator >> twos, 0
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    return max(twos, fives) if rest == 1 else None


def _terminating_decimal(value: Fraction) -> str | None:
    places = _decimal_places(value.denominator)
    if places is None or places > MAX_DECIMAL_PLACES:
        return None
    scaled = abs(value.numerator) * 10**places // value.denominator
    digits = _digits(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _preview(value: Fraction) -> str:
    with localcontext() as context:
        context.prec = PREVIEW_DIGITS
        approximation = Decimal(value.numerator) / Decimal(value.denominator)
    return str(approximation).replace("E", "e")


def format_result(value: Number) -> str:
    """Plain digits for integers, a decimal when exact and short, "≈ ..." when approximate."""
    if isinstance(value, float):
        return f"≈ {value + 0.0:.{SIGNIFICANT_DIGITS}g}"
    if value.denominator == 1:
        return _digits(value.numerator)
    decimal = _terminating_decimal(value)
    if decimal is not None:
        return decimal
    return f"{_digits(value.numerator)}/{_digits(value.denominator)} ≈ {_preview(value)}"


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression exactly.

    Supports + - * / // % and ** (``^`` also means power), parentheses,
    sqrt, abs, round, min, max, floor, ceil, pi and e. Results are exact;
    irrational ones are marked with "≈".

    Args:
        expression: An arithmetic expression such as "17 + 25", "2**10", "(1/3) * 3" or "sqrt(2)".
    """
    return format_result(evaluate(expression))
