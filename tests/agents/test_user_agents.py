"""Your own agent by name (issue 25): ``MODULE:NAME`` (registered) and ``MODULE:CLASS`` (an Agent subclass) resolve
by importing the module as ``--env MODULE:ID`` does; each failure is one line naming the bad value and what is valid;
a module named by a directory is never imported unless the user names it."""

from __future__ import annotations

import re

import gymnasium as gym
import pytest

from nas_env.agents import Agent, make_agent
from nas_env.agents.registry import agent_class, agent_module, canonical_agent_spec, check_agent_specs
from nas_env.benchmarks.run.directory import agent_dir
from nas_env.user_modules import trusted_modules
from tests.helpers import REPO

HILLCLIMB = (REPO / "docs" / "tutorials" / "hillclimb.py").read_text()
OTHER = """
from nas_env.agents import Agent

class NotAnAgent:
    pass

class Abstract(Agent):
    pass

def helper():
    return 1
"""


@pytest.fixture
def hillclimb(user_module):
    """docs/02's hill-climber, written as the user's module ``hillclimb`` (and a module of other things)."""
    user_module("hillclimb", HILLCLIMB)
    user_module("ua_other", OTHER)


def one_line_error(spec: str) -> str:
    with pytest.raises(ValueError) as info:
        agent_class(spec)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_a_registered_name_and_a_class_of_the_module_resolve(hillclimb):
    cls = agent_class("hillclimb:hill-climb")
    assert issubclass(cls, Agent) and cls.__module__ == "hillclimb" and cls.__name__ == "HillClimb"
    assert agent_class("hillclimb:HillClimb") is cls
    agent = make_agent("hillclimb:hill-climb@patience=5")
    assert isinstance(agent, cls) and agent.config.patience == 5
    assert agent_module("hillclimb:hill-climb@patience=5") == "hillclimb" and agent_module("reinforce@lr=0") == ""
    check_agent_specs(["random", "hillclimb:hill-climb", "hillclimb:HillClimb@patience=3"])


def test_the_docs_agent_spends_its_budget_deterministically_and_climbs(hillclimb):
    """docs/02's "test it": a budget is spent exactly, the same seed gives the same search, the search climbs."""
    runs = [make_agent("hillclimb:hill-climb").run(gym.make("nas_env/NB201-v0"), budget=120, seed=s) for s in (0, 0, 1)]
    assert [len(r.history) for r in runs] == [120, 120, 120]
    assert [e.arch for e in runs[0].history] == [e.arch for e in runs[1].history]
    assert [e.arch for e in runs[0].history] != [e.arch for e in runs[2].history]
    assert runs[0].best.reward > runs[0].history[0].reward and runs[0].best.reward > 0.9


@pytest.mark.parametrize(("spec", "expected"), [
    ("ua_nowhere:hill-climb", "cannot import module 'ua_nowhere' of agent 'ua_nowhere:hill-climb': No module named "
                              "'ua_nowhere' (is its directory on PYTHONPATH?)"),
    ("hillclimb:hill-climber", "agent 'hillclimb:hill-climber': module 'hillclimb' has no Agent class 'hill-climber' "
                               "and no agent is registered as 'hill-climber'; Agent classes in hillclimb: "
                               "['HillClimb']; registered names: ["),
    ("ua_other:NotAnAgent", "agent 'ua_other:NotAnAgent': ua_other.NotAnAgent is a class but not an Agent subclass"),
    ("ua_other:helper", "agent 'ua_other:helper': ua_other.helper is a function, not an Agent subclass"),
    ("ua_other:Abstract", "agent 'ua_other:Abstract': ua_other.Abstract is abstract (it lacks ['search'])"),
    ("hillclimb:", "bad agent spec 'hillclimb:': expected MODULE:NAME, e.g. 'myagent:hill-climb'"),
    (":hill-climb", "bad agent spec ':hill-climb': expected MODULE:NAME"),
])
def test_each_failure_is_one_line_naming_the_bad_value(hillclimb, spec, expected):
    assert one_line_error(spec).startswith(expected)


def test_a_list_of_specs_names_every_unknown_name_and_the_forms(hillclimb):
    with pytest.raises(ValueError, match=re.escape("unknown agent(s) ['hill-climbr', 'rnd']; valid: [")) as info:
        check_agent_specs(["random", "hill-climbr", "rnd"])
    assert "MODULE:NAME" in str(info.value) and "MODULE:CLASS" in str(info.value)
    with pytest.raises(ValueError, match=r"unknown hyperparameters \['nope'\]; valid: \['patience'\]"):
        check_agent_specs(["hillclimb:hill-climb@nope=1"])


def test_module_specs_have_canonical_forms_and_safe_directory_names():
    assert canonical_agent_spec("hillclimb:hill-climb@patience=5") == "hillclimb:hill-climb@patience=5"
    assert canonical_agent_spec("pkg.mod:HC@b=2@a=1") == "pkg.mod:HC@a=1@b=2"
    names = {agent_dir(s) for s in ("hillclimb:hill-climb", "hillclimb:HillClimb", "hillclimb.hill-climb",
                                    "hillclimb:hill-climb@patience=5", "pkg.mod:HC@b=2@a=1")}
    assert len(names) == 5  # distinct specs, distinct directories
    assert re.fullmatch(r"hillclimb\.hill-climb-[0-9a-f]{12}", agent_dir("hillclimb:hill-climb"))
    assert agent_dir("pkg.mod:HC@b=2@a=1") == agent_dir("pkg.mod:HC@a=1@b=2")
    for spec in ("hillclimb:hill-climb", "../x:y", "a:/etc/passwd", "m:" + "x" * 300, "c:\\\\d"):
        name = agent_dir(spec)
        assert ":" not in name and "/" not in name and "\\" not in name and ".." not in name
        assert not name.startswith(".") and 0 < len(name) <= 100


def test_a_module_named_by_a_directory_is_imported_only_when_the_user_names_it(tmp_path, user_module):
    marker = tmp_path / "IMPORTED"
    user_module("ua_payload", f"open({str(marker)!r}, 'w').close()\n")
    with trusted_modules(["nas_env/NB201-v0"]):  # a command reading a directory, naming only its env
        text = one_line_error("ua_payload:x")
    assert not marker.exists()
    assert "names module 'ua_payload'" in text and "--agents/--agent ua_payload:x" in text
    with trusted_modules(["ua_payload"]):
        one_line_error("ua_payload:x")  # named: imported (then it has no such agent)
    assert marker.exists()


def test_the_docs_page_shows_the_agent_it_tests():
    page = (REPO / "docs" / "02_your_own_agent.md").read_text()
    body = HILLCLIMB[HILLCLIMB.index("@dataclass\nclass HillClimbConfig"):].rstrip("\n")
    assert f"```python\n{body}\n```" in page
    assert "--agents random,hillclimb:hill-climb" in page and "nas-env suite" in page
