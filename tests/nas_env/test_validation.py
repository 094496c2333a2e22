"""nas_env.validation: every check accepts its valid values (edge bounds included) and refuses the rest with one
message naming the argument, the bad value and what is valid; Budget.from_value, the one way to build a budget."""

from __future__ import annotations

import argparse
import math
import re

import numpy as np
import pytest

from nas_env.agents.budget import Budget
from nas_env.validation import (
    argparse_type,
    check_bool,
    check_choice,
    check_int,
    check_int_list,
    check_name_list,
    check_real,
    errors_as,
)


def refused(check, *args, **kwargs) -> str:
    """The message of the ValueError ``check(*args, **kwargs)`` raises."""
    with pytest.raises(ValueError) as info:
        check(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------------ check_int
def test_int_accepts_its_range_edges_and_numpy_ints():
    assert check_int("n", 1) == 1 and check_int("n", 10**30) == 10**30
    assert check_int("n", 0, low=0) == 0 and check_int("n", 5, low=2, high=5) == 5
    out = check_int("n", np.int64(7))
    assert out == 7 and type(out) is int
    assert check_int("n", None, optional=True) is None


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (0, {}, "n must be an int >= 1, got 0"),
    (-1, {"low": 0}, "n must be an int >= 0, got -1"),
    (6, {"low": 2, "high": 5}, "n must be an int in 2..5, got 6"),
    (1, {"low": 2, "high": 5}, "n must be an int in 2..5, got 1"),
    (True, {}, "n must be an int >= 1, got True"),
    (False, {"low": 0}, "n must be an int >= 0, got False"),
    (2.0, {}, "n must be an int >= 1, got 2.0"),
    (float("nan"), {}, "n must be an int >= 1, got nan"),
    (float("inf"), {}, "n must be an int >= 1, got inf"),
    ("3", {}, "n must be an int >= 1, got '3'"),
    (None, {}, "n must be an int >= 1, got None"),
    (0, {"optional": True}, "n must be an int >= 1 or None, got 0"),
])
def test_int_refuses(value, kwargs, message):
    assert refused(check_int, "n", value, **kwargs) == message


# ------------------------------------------------------------------------ check_real
def test_real_accepts_closed_bounds_and_returns_a_float():
    assert check_real("x", 0, low=0) == 0.0 and type(check_real("x", 0, low=0)) is float
    assert check_real("x", 1.0, low=0.0, high=1.0) == 1.0
    assert check_real("x", np.float32(0.5), low=0, high=1, low_open=True, high_open=True) == 0.5
    assert check_real("x", -1e300) == -1e300  # no bounds: any finite number
    assert check_real("x", None, low=0, optional=True) is None


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (0, {"low": 0, "low_open": True}, "x must be a finite number > 0, got 0"),
    (1.0, {"low": 0, "high": 1, "high_open": True}, "x must be a finite number >= 0 and < 1, got 1.0"),
    (-0.5, {"low": 0.0, "high": 1.0}, "x must be a finite number >= 0.0 and <= 1.0, got -0.5"),
    (2, {"high": 1}, "x must be a finite number <= 1, got 2"),
    (float("nan"), {}, "x must be a finite number, got nan"),
    (float("inf"), {"low": 0}, "x must be a finite number >= 0, got inf"),
    (-math.inf, {}, "x must be a finite number, got -inf"),
    (True, {}, "x must be a finite number, got True"),
    ("0.1", {}, "x must be a finite number, got '0.1'"),
    (None, {}, "x must be a finite number, got None"),
    (0, {"low": 0, "low_open": True, "optional": True}, "x must be a finite number > 0 or None, got 0"),
])
def test_real_refuses(value, kwargs, message):
    assert refused(check_real, "x", value, **kwargs) == message


# ------------------------------------------------------------------------ check_bool, check_choice
def test_bool_accepts_only_true_and_false():
    assert check_bool("flag", True) is True and check_bool("flag", False) is False
    for bad in (1, 0, "yes", None, np.bool_(True)):
        assert refused(check_bool, "flag", bad) == f"flag must be True or False, got {bad!r}"


def test_choice_lists_the_valid_names_in_order():
    assert check_choice("optimizer", "sgd", ("adam", "sgd")) == "sgd"
    assert check_choice("mode", None, ["a"], optional=True) is None
    assert refused(check_choice, "optimizer", "adamw", ("adam", "sgd")) == (
        "unknown optimizer 'adamw'; valid: ['adam', 'sgd']")
    assert refused(check_choice, "mode", "b", ["a"], optional=True) == "unknown mode 'b'; valid: ['a'] or None"
    assert refused(check_choice, "mode", None, ["a"]) == "unknown mode None; valid: ['a']"
    assert refused(check_choice, "mode", ["a"], ["a"]) == "unknown mode ['a']; valid: ['a']"  # unhashable
    assert "valid: ['x', 'y']" in refused(check_choice, "key", 1, {"x": 0, "y": 1})  # a dict's keys


# ------------------------------------------------------------------------ lists
def test_int_list_accepts_lists_tuples_ranges():
    assert check_int_list("sizes", [64, 64]) == [64, 64]
    assert check_int_list("sizes", ()) == []
    assert check_int_list("sizes", range(1, 4)) == [1, 2, 3]
    assert check_int_list("seeds", (0, np.int64(3)), low=0, distinct=True) == [0, 3]


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    ("x", {"such_as": "[64, 64]"}, "sizes must be a list of ints >= 1 such as [64, 64], got 'x'"),
    ([64, 0], {}, "sizes must be a list of ints >= 1, got [64, 0]"),
    ([1, True], {}, "sizes must be a list of ints >= 1, got [1, True]"),
    ([1.0], {}, "sizes must be a list of ints >= 1, got [1.0]"),
    ([], {"non_empty": True}, "sizes must be a non-empty list of ints >= 1, got []"),
    ([3, 3], {"low": 0, "distinct": True}, "sizes must be a list of distinct ints >= 0, got [3, 3]"),
    (5, {}, "sizes must be a list of ints >= 1, got 5"),
])
def test_int_list_refuses(value, kwargs, message):
    assert refused(check_int_list, "sizes", value, **kwargs) == message


def test_name_list():
    assert check_name_list("objectives", ("params",)) == ["params"]
    for bad in ("params", [], [""], [1], None):
        message = refused(check_name_list, "objectives", bad)
        assert message == f"objectives must be a non-empty list of names, got {bad!r}"


# ------------------------------------------------------------------------ errors_as, argparse_type
def test_errors_as_keeps_the_message_and_lets_other_errors_pass():
    class CorpusError(ValueError):
        pass

    with pytest.raises(CorpusError, match=r"^max_chars must be an int >= 36 or None, got 2$"):
        with errors_as(CorpusError):
            check_int("max_chars", 2, low=36, optional=True)
    with pytest.raises(KeyError):
        with errors_as(CorpusError):
            raise KeyError("not a check")


def test_argparse_type_names_the_option_and_the_text():
    parser = argparse.ArgumentParser(prog="p", exit_on_error=False)
    parser.add_argument("--n", type=argparse_type(int, check_int, low=1))
    parser.add_argument("--x", type=argparse_type(float, check_real, low=0, low_open=True))
    assert parser.parse_args(["--n", "3", "--x", "0.5"]) == argparse.Namespace(n=3, x=0.5)
    for argv, message in ((["--n", "0"], "argument --n: must be an int >= 1, got 0"),
                          (["--n", "2.5"], "argument --n: must be an int >= 1, got '2.5'"),
                          (["--x", "nan"], "argument --x: must be a finite number > 0, got nan"),
                          (["--x", "inf"], "argument --x: must be a finite number > 0, got inf"),
                          (["--x", "fast"], "argument --x: must be a finite number > 0, got 'fast'")):
        with pytest.raises(argparse.ArgumentError) as info:
            parser.parse_args(argv)
        assert str(info.value) == message


def test_cli_argument_types_are_adapters_of_the_validators():
    from nas_env.benchmarks.cli.args import positive_float, positive_int, seed_list

    assert positive_int("7") == 7 and positive_float("0.25") == 0.25 and seed_list("3,5,8") == [3, 5, 8]
    for convert, text, message in ((positive_int, "0", "must be an int >= 1, got 0"),
                                   (positive_float, "-1", "must be a finite number > 0, got -1.0"),
                                   (seed_list, "1,1", "must be a non-empty list of distinct ints >= 0 such as 3,5,8, "
                                                      "got [1, 1]"),
                                   (seed_list, "1,x", "got '1,x'")):
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
            convert(text)


# ------------------------------------------------------------------------ Budget.from_value
def test_budget_from_plain_data():
    budget = Budget(evaluations=5, cost_seconds=100.0)
    assert Budget.from_value(budget) is budget
    assert Budget.from_value(budget.to_json()) == budget
    assert Budget.from_value(5) == Budget(evaluations=5)
    assert Budget.from_value(5.0) == Budget(evaluations=5) and type(Budget.from_value(5.0).evaluations) is int
    seconds = Budget.from_value(6000, "simulated seconds")
    assert seconds == Budget(cost_seconds=6000.0) and type(seconds.cost_seconds) is float


@pytest.mark.parametrize(("value", "unit", "message"), [
    (0, "evaluations", "budget in evaluations must be an int >= 1, got 0"),
    (2.5, "evaluations", "budget in evaluations must be an int >= 1, got 2.5"),
    (float("inf"), "evaluations", "budget in evaluations must be an int >= 1, got inf"),
    (True, "evaluations", "budget in evaluations must be an int >= 1, got True"),
    (-5, "simulated seconds", "budget in simulated seconds must be a finite number > 0, got -5"),
    (float("nan"), "simulated seconds", "budget in simulated seconds must be a finite number > 0, got nan"),
    (5, "hours", "unknown budget unit 'hours'; valid: ['evaluations', 'simulated seconds']"),
    ({"evaluations": 0}, "evaluations", "budget evaluations (evaluations) must be an int >= 1 or None, got 0"),
    ({"cost_seconds": -1}, "evaluations",
     "budget cost_seconds (simulated seconds) must be a finite number > 0 or None, got -1"),
    ({}, "evaluations", "a Budget needs evaluations, cost_seconds or both"),
])
def test_budget_errors_name_the_unit(value, unit, message):
    assert refused(Budget.from_value, value, unit) == message
