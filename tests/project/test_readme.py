"""The README says what the code does: its examples print what it claims, its commands and links exist.

* the Python blocks run and print the right values (the NB201 block's reward is the table's entry);
* "The two commands" are what ``.ci/run`` runs, and install what ``setup.py`` declares;
* every ``nas-env`` command, subcommand, flag, env id, agent, protocol and ``python -m`` module it
  names exists (``nas-env`` commands are parsed by the console script's own ``build_parser()``);
* every relative link, repository path and ``nas_env.<name>`` it names resolves.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import BEST_NB201_CELL, REPO, resolve
from tests.project.readme import BASH_BLOCKS, INLINE, PROSE, PYTHON_BLOCKS, TEXT, block, commands, run_block

ROOT = REPO
# placeholders the README writes after a flag or subcommand, and a value argparse accepts for each
PLACEHOLDERS = {"N": "2", "S": "60", "PATH": "runs/x.sqlite", "DIR": "runs/x", "HOST:PORT": "127.0.0.1:6379"}


# ---------------------------------------------------------------- the Python blocks
def test_every_python_block_is_checked_below():
    assert len(PYTHON_BLOCKS) == 2
    assert block('gym.make("nas_env/NB201-v0"') and block("DecisionSpace(")


def test_environment_in_one_screen_prints_the_nb201_table_values():
    from nas_env.evaluators import NB201Table

    namespace, lines = run_block(block('gym.make("nas_env/NB201-v0"'), "environment in one screen")
    assert len(lines) == 2
    assert lines[0] == BEST_NB201_CELL  # the README's comment: NAS-Bench-201's canonical cell string
    reward, test_accuracy = (float(x) for x in lines[1].split())
    table = NB201Table("cifar10")
    row = table.row(BEST_NB201_CELL)
    metrics = namespace["info"]["metrics"]
    # the reward is the 200-epoch validation accuracy of one of the table's training seeds (the one drawn)
    assert reward == metrics["val_accuracy"] == table.val200[row, metrics["seed_index"]]
    assert test_accuracy == metrics["test_accuracy"] == table.test200[row]  # reported, not rewarded
    # reset(seed=0) always draws the same training seed: the numbers a reader sees
    assert (reward, test_accuracy) == (0.9141599997802734, 0.9437333333333333)


def test_bring_your_own_space_block_rewards_its_accuracy_function():
    pytest.importorskip("stable_baselines3")  # the block runs SB3's env checker
    source = block("DecisionSpace(")
    assert len(source.strip().splitlines()) <= 30  # "a full env" in under 30 lines
    namespace, lines = run_block(source, "bring your own search space")
    assert len(lines) == 1
    arch_text, reward = lines[0].split()
    arch = dict(item.split("=") for item in arch_text.split(","))
    assert set(arch) == {"op", "width", "depth"} and arch["op"] in {"conv3x3", "conv5x5", "maxpool"}
    decoded = {"op": arch["op"], "width": int(arch["width"]), "depth": int(arch["depth"])}
    assert float(reward) == namespace["accuracy"](decoded) == namespace["reward"]


# ---------------------------------------------------------------- the two commands
def section(title: str) -> str:
    return re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", TEXT, flags=re.S | re.M).group(1)


def two_commands() -> tuple[str, str]:
    install, test = re.findall(r"```bash\n(.*?)\n```", section("The two commands"), flags=re.S)
    return install, test


def ci_lines() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_readme_test_command_is_what_ci_runs_verbatim():
    _, test = two_commands()
    assert test in ci_lines()  # an executed line, not a comment


def test_readme_install_steps_are_the_ones_ci_runs():
    install, test = two_commands()

    def pip_steps(line: str) -> list[str]:  # extras dropped: CI installs ".[all,dev]" where users install "."
        return [re.sub(r"""["']?\.\[[\w,]+\]["']?""", ".", c) for c in commands(line) if c.startswith("pip ")]

    ci = [step for line in ci_lines() for step in pip_steps(line)]
    assert pip_steps(install) == ["pip install torch==2.13.0", "pip install -e ."]
    assert set(pip_steps(install)) <= set(ci) and set(pip_steps(test)) <= set(ci)
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    extras = re.search(r'\.\[([\w,]+)\]', test).group(1).split(",")
    for extra in extras:  # ".[all,dev]" names extras that setup.py declares
        assert re.search(rf'(EXTRAS\["{extra}"\]|"{extra}":)', setup), extra
    required = re.search(r"Python >= ([\d.]+)", section("The two commands")).group(1)
    assert f'python_requires=">={required}"' in setup


# ---------------------------------------------------------------- nas-env: commands, flags, names
@cache
def cli() -> ModuleType:
    """The module behind the ``nas-env`` console script declared in setup.py."""
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    module = re.search(r'"nas-env=([\w.]+):main"', setup).group(1)
    return importlib.import_module(module)


@cache
def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli().build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def cli_output(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli().main(list(argv)) == 0
    return out.getvalue()


@cache
def agent_fields() -> dict[str, set[str]]:
    """``nas-env agents``: every agent with its hyperparameter names."""
    agents: dict[str, set[str]] = {}
    for line in cli_output("agents").splitlines():
        if line and not line.startswith(" "):
            current = agents.setdefault(line.split()[0], set())
        elif m := re.match(r"\s+(\w+) = ", line):
            current.add(m.group(1))
    return agents


@cache
def env_ids() -> list[str]:
    return [line.split()[0] for line in cli_output("envs").splitlines() if line.strip()]


def check_tokens(tokens: list[str], sub: argparse.ArgumentParser) -> None:
    """Every ``--flag`` is an option of ``sub``; a flag's value is one of its choices where it has any."""
    options = {s: a for a in sub._actions for s in a.option_strings}
    for i, token in enumerate(tokens):
        if token.startswith("--"):
            assert token in options, f"{token} is not an option of `nas-env {sub.prog.split()[-1]}`"
            action, value = options[token], tokens[i + 1] if i + 1 < len(tokens) else None
            if action.choices is not None and value is not None and not value.startswith("-"):
                assert value in action.choices, f"{token} {value}: not one of {list(action.choices)}"


def readme_cli_commands() -> list[list[str]]:
    return [shlex.split(c)[1:] for b in BASH_BLOCKS for c in commands(b) if c.startswith("nas-env ")]


def test_readme_names_every_subcommand_and_the_cli_has_them():
    named = {shlex.split(c)[1] for c in INLINE if c.startswith("nas-env ")}
    named |= {argv[0] for argv in readme_cli_commands()}
    assert named == set(subparsers())  # each subcommand the README names exists, and each is documented


def command_id(argv: list[str]) -> str:
    return f"{argv[0]} {argv[argv.index('--out') + 1]}" if "--out" in argv else argv[0]


@pytest.mark.parametrize("argv", readme_cli_commands(), ids=command_id)
def test_readme_cli_command_parses_with_valid_names(argv):
    """A full command of a bash block parses, and names envs, agents, hyperparameters and protocols that exist."""
    import gymnasium as gym

    args = cli().build_parser().parse_args(argv)  # SystemExit(2) on an unknown flag or bad value
    if args.command == "search":
        assert args.env in env_ids()
        assert args.agent in agent_fields()
        assert set(args.agent_kwargs) <= agent_fields()[args.agent]
        gym.make(args.env, **args.env_kwargs).close()  # the env accepts these keyword arguments
    elif args.command == "benchmark":
        from nas_env.agents.registry import check_agent_spec
        from nas_env.benchmarks.cli.benchmark import agents_and_seeds
        from nas_env.benchmarks.protocols import get_protocol

        agents, _ = agents_and_seeds(args, get_protocol(args.protocol))  # the protocol's defaults if none given
        for spec in agents:  # a name, or an agent spec NAME@key=value whose keys the agent has
            check_agent_spec(spec)
        assert {spec.split("@")[0] for spec in agents} <= set(agent_fields())
        assert re.search(rf"(?<![\w-]){re.escape(args.protocol)}(?![\w-])", subparsers()["benchmark"].format_help())


def test_readme_inline_cli_mentions_exist():
    """``nas-env SUB --flag VALUE`` spans, and bare ``--flag`` spans (all of ``nas-env search``)."""
    spans = [c for c in INLINE if c.startswith(("nas-env ", "--"))]
    assert len(spans) >= 8
    for span in spans:
        tokens = [PLACEHOLDERS.get(t, t) for t in span.replace("[", " ").replace("]", " ").split()]
        if tokens[0] == "nas-env":
            sub, tokens = tokens[1], tokens[2:]
        else:
            sub = "search"
        assert sub in subparsers(), span
        check_tokens(tokens, subparsers()[sub])


def test_readme_tables_list_every_env_and_agent():
    envs_in_table = re.findall(r"^\| `(nas_env/[\w-]+)` \|", TEXT, flags=re.M)
    assert envs_in_table == env_ids()
    agent_rows = re.findall(r"^\| (`[\w-]+`(?:, `[\w-]+`)*) \|", section("Search strategies and the CLI"), flags=re.M)
    agents_in_table = {name for row in agent_rows for name in re.findall(r"`([\w-]+)`", row)}
    assert agents_in_table == set(agent_fields())
    defaults = cli_output("agents")  # the numbers in the agents table are the defaults
    assert re.search(r"^reinforce .*\n(    .*\n)*    lr = 0\.0006$", defaults, flags=re.M), "Adam lr 0.0006"
    assert re.search(r"^evolution .*\n    population_size = 10\n    sample_size = 3$", defaults, flags=re.M), (
        "population 10, tournament 3"
    )


def test_readme_benchmark_protocols_exist():
    from nas_env.benchmarks.protocols import protocol_names

    names = re.findall(r"`([\w:<>-]+)`", re.search(r"Protocols: (.*?)\. Runs", PROSE, flags=re.S).group(1))
    assert sorted(names) == sorted(protocol_names())  # every protocol, and only protocols
    listed = subparsers()["benchmark"].format_help()
    for name in names:
        assert re.search(rf"(?<![\w-]){re.escape(name.split('<')[0])}(?![\w-])", listed), name


def python_m_mentions() -> list[list[str]]:
    found = [c for c in INLINE if c.startswith("python -m ")]
    found += [c for b in BASH_BLOCKS for c in commands(b) if c.startswith("python -m ")]
    return [shlex.split(c)[2:] for c in found]


@pytest.mark.parametrize("argv", python_m_mentions(), ids=lambda argv: argv[0])
def test_readme_python_m_modules_exist(argv):
    module, *args = argv
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"python -m {module}: no such module"
    if spec.submodule_search_locations:  # a package runs its __main__
        assert importlib.util.find_spec(f"{module}.__main__") is not None
    else:
        assert 'if __name__ == "__main__"' in Path(spec.origin).read_text(encoding="utf-8")
    flags = [a for a in args if a.startswith("--")]
    if flags:  # only nas_env.data.derive: ask its --help
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=600,
                             cwd=ROOT, check=True).stdout
        for flag in flags:
            assert re.search(rf"(?<![\w-]){flag}(?![\w-])", out), f"python -m {module} has no {flag}"


# ---------------------------------------------------------------- links, paths, names
def test_readme_relative_links_resolve():
    links = re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", TEXT)
    relative = [link for link in links if not re.match(r"[a-z]+:|#", link)]
    assert len(relative) >= 8
    missing = [link for link in relative if not (ROOT / link.split("#")[0]).is_file()]
    assert not missing


def test_readme_repository_paths_exist():
    paths = [c for c in INLINE if re.fullmatch(r"[\w.-]+(/[\w.-]+)*/", c) or re.fullmatch(r"[\w.-]+/[\w./-]+\.md", c)]
    paths += re.findall(r"\b(?:[A-Z]+\.md|NOTICE|LICENSE)\b", PROSE)
    assert {"examples/", "benchmarks/", "nas_env/data/README.md", "MEASUREMENTS.md", "NOTICE"} <= set(paths)
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing


def test_readme_library_names_resolve():
    names = []
    for span in INLINE:
        if m := re.fullmatch(r"(nas_env(?:\.\w+)+)(?:\.\{([\w,]+)\}|\(.*\))?", span):
            names += [f"{m.group(1)}.{n}" for n in m.group(2).split(",")] if m.group(2) else [m.group(1)]
    assert len(names) >= 10
    for name in names:
        assert resolve(name) is not None, name

