import importlib.util
import sys
import time
import types
from fractions import Fraction
from pathlib import Path

import pytest

PLUGIN_PATH = Path(__file__).resolve().parents[2] / "plugins" / "calculator.py"


def _agentsh_has_tool() -> bool:
    try:
        import agentsh
    except ImportError:
        return False
    return hasattr(agentsh, "tool")


def _fake_agentsh() -> types.ModuleType:
    module = types.ModuleType("agentsh")
    module.tool = lambda function: function
    return module


def _load_plugin() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("agentsh_plugin_calculator", PLUGIN_PATH)
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        if not _agentsh_has_tool():
            patch.setitem(sys.modules, "agentsh", _fake_agentsh())
        spec.loader.exec_module(module)
    return module


plugin = _load_plugin()


def calc(expression: str) -> str:
    return plugin.format_result(plugin.evaluate(expression))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("17+25", "42"),
        ("0.1+0.2", "0.3"),
        ("2^10", "1024"),
        ("2**10", "1024"),
        ("(1/3)*3", "1"),
        ("sqrt(16)", "4"),
        ("10/4", "2.5"),
        ("1/2", "0.5"),
        ("-1/8", "-0.125"),
        ("2+3*4", "14"),
        ("(2+3)*4", "20"),
        ("-2**2", "-4"),
        ("(-2)**2", "4"),
        ("--3", "3"),
        ("2^3^2", "512"),
        ("7//2", "3"),
        ("-7//2", "-4"),
        ("7%3", "1"),
        ("2**-2", "0.25"),
        ("4**0.5", "2"),
        ("sqrt(9/4)", "1.5"),
        ("abs(-5)", "5"),
        ("round(2.675, 2)", "2.68"),
        ("round(pi)", "3"),
        ("min(3, 1, 2)", "1"),
        ("max(3, 1, 2)", "3"),
        ("floor(-2.5)", "-3"),
        ("ceil(2.1)", "3"),
        ("12345678901234567.5 * 2", "24691357802469135"),
        ("2**100", "1267650600228229401496703205376"),
        (" 1 +\n 2 ", "3"),
    ],
)
def test_exact_results(expression, expected):
    assert calc(expression) == expected


def test_point_one_plus_point_two_is_exactly_three_tenths():
    assert plugin.evaluate("0.1+0.2") == Fraction(3, 10)


def test_non_terminating_fraction_shows_fraction_and_approximation():
    assert calc("1/3") == "1/3 ≈ 0.333333333333"
    assert calc("-2/3") == "-2/3 ≈ -0.666666666667"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("sqrt(2)", "≈ 1.4142135623731"),
        ("pi", "≈ 3.14159265358979"),
        ("e", "≈ 2.71828182845905"),
        ("2**0.3", "≈ 1.23114441334492"),
    ],
)
def test_irrational_results_are_approximate(expression, expected):
    assert isinstance(plugin.evaluate(expression), float)
    assert calc(expression) == expected


def test_large_exact_integer_is_printed_in_full():
    assert calc("10**5000") == "1" + "0" * 5000


@pytest.mark.parametrize("expression", ["1/0", "1//0", "5%0", "0**-1", "1/(2-2)"])
def test_division_by_zero(expression):
    with pytest.raises(ValueError, match="division by zero"):
        plugin.evaluate(expression)


def test_division_by_zero_names_the_subexpression():
    with pytest.raises(ValueError, match=r"^division by zero in '1/\(2-2\)'$"):
        plugin.evaluate("3 + 1/(2-2)")


@pytest.mark.parametrize(
    ("expression", "construct"),
    [
        ("__import__('os')", "function '__import__'"),
        ("os.system", "attribute access"),
        ("os", "name 'os'"),
        ('"a"*3', "string"),
        ("[1,2]", "list"),
        ("lambda: 1", "lambda"),
        ("(1).__class__", "attribute access"),
        ("(1,2)[0]", "subscript"),
        ("[x for x in (1,)]", "comprehension"),
        ("1 if 1 else 2", "conditional expression"),
        ("1 < 2", "comparison"),
        ("True + 1", "boolean"),
        ("1j", "complex number"),
        ("1 << 3", "operator '<<'"),
        ("~1", "operator '~'"),
        ("sqrt.__call__(4)", "call"),
    ],
)
def test_unsupported_constructs_are_rejected(expression, construct):
    with pytest.raises(ValueError, match=f"unsupported {construct}"):
        plugin.evaluate(expression)


def test_unknown_name_lists_allowed_names():
    with pytest.raises(ValueError, match=r"allowed: sqrt, abs, round, min, max, floor, ceil, pi, e"):
        plugin.evaluate("x + 1")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("sqrt(1, 2)", r"wrong number of arguments \(usage: sqrt\(x\)\)"),
        ("min()", "wrong number of arguments"),
        ("round(2.5, ndigits=1)", "keyword arguments are not supported"),
        ("pi(2)", "unsupported function 'pi'"),
        ("sqrt + 1", "'sqrt' is a function"),
        ("sqrt(-1)", "square root of a negative number"),
        ("(-8)**(1/3)", "no real result"),
        ("round(1.5, 0.5)", "must be a whole number"),
        ("2 +", "invalid syntax"),
        ("", "empty expression"),
    ],
)
def test_other_errors_explain_themselves(expression, message):
    with pytest.raises(ValueError, match=message):
        plugin.evaluate(expression)


@pytest.mark.parametrize("expression", ["9**9**9", "2^2^2^2^2", "10**9999 * 10**9999", "(10**100)**(10**100)"])
def test_huge_results_are_rejected_quickly(expression):
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"digits|too large"):
        plugin.evaluate(expression)
    assert time.perf_counter() - started < 0.2


def test_nine_to_the_nine_to_the_nine_reports_the_digit_count():
    message = r"about 369,693,100 digits \(limit 10,000\) in '9\*\*9\*\*9'"
    with pytest.raises(ValueError, match=message):
        plugin.evaluate("9**9**9")


def test_float_overflow_is_rejected():
    with pytest.raises(ValueError, match="too large"):
        plugin.evaluate("pi**100000")


def test_long_expression_is_rejected():
    expression = "+".join(["1"] * 1000)
    assert len(expression) > 1000
    with pytest.raises(ValueError, match=r"1,999 characters long \(limit 1,000\)"):
        plugin.evaluate(expression)


def test_deeply_nested_expression_is_rejected():
    with pytest.raises(ValueError, match="nested too deeply"):
        plugin.evaluate("-" * 999 + "1")


def test_error_messages_are_one_line():
    with pytest.raises(ValueError) as error:
        plugin.evaluate("(1 +\n 2) / 0")
    assert "\n" not in str(error.value)


def test_rounding_an_approximation_stays_exact_only_while_floats_hold_every_integer():
    assert calc("floor(pi * 1000)") == "3141"
    assert calc("7.5 // pi") == "2"
    assert calc("floor(pi * 1e300)") == "≈ 3.14159265358979e+300"
