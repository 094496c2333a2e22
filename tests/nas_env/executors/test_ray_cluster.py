"""A real two-node Ray cluster on this machine: ``nas-env search --executor ray --ray-address`` trains children
on both nodes, survives losing the worker node mid-search, and both nodes are shut down afterwards.

The head and the worker are separate ``ray start --block`` processes with their own temp dirs and ports;
the only address anything is pointed at is ``127.0.0.1``. The worker node is killed with SIGKILL (a
crash, not a drain): the children it was training are retried on the head by ``RayExecutor``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import REPO, jsonl_records

pytest.importorskip("ray")

RAY = str(Path(sys.executable).with_name("ray"))
HOST = "127.0.0.1"
BUDGET = 12
NODE_STARTS = 3
ENV_KWARGS = {"num_layers": 2, "epochs": 1, "filter_sizes": [1, 3], "num_filters": [8, 16],
              "train_kwargs": {"max_train_samples": 400, "count_flops": False, "num_threads": 1}}
# RAY_AUTH_MODE=disabled: Ray >= 2.5x otherwise asks a joining node for a token
#: PYTHONUNBUFFERED: a node's "Ray runtime started." reaches its log while `ray start --block` runs
RAY_ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def node_command(temp_dir: Path, gcs_port: int, head: bool, worker_ports: tuple[int, int]) -> list[str]:
    """``ray start`` for one node; every port is chosen here, so two nodes on one machine never collide."""
    cmd = [RAY, "start", "--block", f"--node-ip-address={HOST}", f"--temp-dir={temp_dir}", "--num-cpus=2",
           "--object-store-memory=100000000", "--disable-usage-stats",
           f"--node-manager-port={free_port()}", f"--object-manager-port={free_port()}",
           f"--dashboard-agent-listen-port={free_port()}", f"--dashboard-agent-grpc-port={free_port()}",
           f"--metrics-export-port={free_port()}", f"--runtime-env-agent-port={free_port()}",
           f"--min-worker-port={worker_ports[0]}", f"--max-worker-port={worker_ports[1]}"]
    if head:
        return [*cmd, "--head", f"--port={gcs_port}", "--include-dashboard=false",
                f"--ray-client-server-port={free_port()}"]
    return [*cmd, f"--address={HOST}:{gcs_port}"]


@dataclass
class Cluster:
    root: Path
    gcs_port: int
    head: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    node_ids: dict[str, str] = field(default_factory=dict)  # "head"/"worker" -> Ray node id
    logs: list = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.gcs_port}"

    def start_node(self, head: bool) -> subprocess.Popen:
        """Start one node and wait until it is up. Ray gives a new node's raylet 30 s to register with the GCS
        (``ray/_private/node.py``), which a loaded 2-core machine can miss ("The current node timed out during
        startup"): that node is then stopped and started again, up to :data:`NODE_STARTS` times."""
        name = "head" if head else "worker"
        ports = (20000, 20499) if head else (20500, 20999)
        attempt = 0
        while True:
            attempt += 1
            log = open(self.root / f"{name}.log", "w")  # noqa: SIM115  closed by stop()
            self.logs.append(log)
            # Ray's default health checks: the head declares the crashed node dead only some seconds after the
            # driver has lost the actor there, so the replacement actor may first be placed on the dead node
            proc = subprocess.Popen(node_command(self.root / name, self.gcs_port, head, ports), env=RAY_ENV,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            setattr(self, name, proc)
            text = ""
            deadline = time.monotonic() + 600
            while proc.poll() is None and time.monotonic() < deadline:
                text = (self.root / f"{name}.log").read_text(errors="replace")
                if "Ray runtime started." in text:
                    return proc
                time.sleep(0.2)
            text = (self.root / f"{name}.log").read_text(errors="replace")
            assert attempt < NODE_STARTS and "timed out during startup" in text, text
            print(f"ray {name} node: start {attempt} timed out in Ray's 30 s registration wait; starting it again")
            for pid in self.node_pids(name):  # what the failed start left running
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.wait()
            shutil.rmtree(self.root / name, ignore_errors=True)
            if head:
                self.gcs_port = free_port()

    def node_pids(self, name: str) -> list[int]:
        """Every live process of one node: those started by its ``ray start`` (its session) and the
        Ray workers its raylet started, recognised by the node's own temp dir on their command line."""
        root, pids = str(self.root / name), []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            cmdline = _cmdline(proc)
            try:
                in_session = os.getsid(int(proc.name)) == getattr(self, name).pid
            except OSError:
                continue
            if in_session or root + "/" in cmdline:
                pids.append(int(proc.name))
        return pids

    def stop(self) -> None:
        for proc in (self.worker, self.head):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # --block: the node shuts its own processes down
        for proc in (self.worker, self.head):
            if proc is not None:
                try:
                    proc.wait(timeout=600)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        (self.root / "head" / "ray_current_cluster").unlink(missing_ok=True)
        for log in self.logs:
            log.close()

    def stray_processes(self, wait: float = 15.0) -> list[int]:
        """Processes of this cluster (its temp dir on their command line) still alive ``wait`` s after stop();
        they are killed by PID, and returned so that the test fails."""
        deadline = time.monotonic() + wait
        while True:
            pids = [int(proc.name) for proc in Path("/proc").iterdir() if proc.name.isdigit()
                    and str(self.root) + "/" in _cmdline(proc) and int(proc.name) != os.getpid()]
            if not pids or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def wait_for_nodes(address: str, n: int, timeout: float = 60.0) -> dict[str, str]:
    """Connect a throwaway driver until ``n`` nodes are alive; their ids, keyed "head" / "worker"."""
    script = (
        "import json, sys, time, ray\n"
        f"ray.init(address={address!r}, logging_level='ERROR')\n"
        f"deadline = time.monotonic() + {timeout}\n"
        f"while len([x for x in ray.nodes() if x['Alive']]) < {n} and time.monotonic() < deadline:\n"
        "    time.sleep(0.2)\n"
        "print(json.dumps({('head' if 'node:__internal_head__' in x['Resources'] else 'worker'): x['NodeID']\n"
        "                  for x in ray.nodes() if x['Alive']}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], env=RAY_ENV, capture_output=True, text=True,
                          timeout=timeout + 30)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="nasray", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    c = Cluster(root, free_port())
    try:
        c.start_node(head=True)
        c.start_node(head=False)
        c.node_ids = wait_for_nodes(c.address, 2, timeout=600)
        assert set(c.node_ids) == {"head", "worker"}, c.node_ids
        yield c
    finally:
        c.stop()
        stray = c.stray_processes()
        shutil.rmtree(root, ignore_errors=True)
    assert not (root / "head" / "ray_current_cluster").exists()
    assert stray == [], f"processes of the test cluster still alive after shutdown: {stray}"


@pytest.mark.slow
def test_search_on_two_nodes_survives_losing_the_worker(cluster: Cluster, tmp_path: Path, paused_cli) -> None:
    out = tmp_path / "run"
    args = ["search", "--env", "nas_env/ZophLeCNN-v0", "--env-kwargs", json.dumps(ENV_KWARGS), "--agent", "reinforce",
            "--agent-kwargs", '{"m": 2}', "--budget", str(BUDGET), "--seed", "3", "--out", str(out), "--no-progress",
            "--executor", "ray", "--ray-address", cluster.address, "--workers", "2", "--store", "on"]
    worker_id = cluster.node_ids["worker"]
    t0 = time.monotonic()
    # the search pauses after a whole batch of 2 once the worker node has trained a child, before the next batch
    # is handed out; the worker node crashes there, and the search goes on
    search = paused_cli(args, f"len(history) % 2 == 0 and any(e.metrics.get('node_id') == {worker_id!r} "
                              "for e in history)", env=RAY_ENV, cwd=tmp_path, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
    assert search.wait_until_paused(timeout=600), "the search ended or stalled before the worker node trained a child"
    killed_after = len(jsonl_records(out / "history.jsonl"))
    assert cluster.worker is not None
    pids = cluster.node_pids("worker")
    for pid in pids:  # the worker node crashes: its raylet and the actors training children there
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    cluster.worker.wait()
    t_kill = time.monotonic() - t0
    search.resume()
    stdout, stderr = search.proc.communicate(timeout=600)  # generous: a loaded 2-core machine (load 20) took > 180 s
    print(f"worker ({len(pids)} processes) killed at {t_kill:.1f} s after {killed_after} children; search done at "
          f"{time.monotonic() - t0:.1f} s")
    assert search.proc.returncode == 0, stderr

    entries = jsonl_records(out / "history.jsonl")
    assert killed_after < BUDGET
    assert [e["index"] for e in entries] == list(range(BUDGET))  # nothing lost, nothing duplicated
    assert all(e["metrics"]["status"] == "ok" for e in entries)
    trained = [e for e in entries if not e["metrics"].get("cached")]  # store hits replay the first training
    head, seen = cluster.node_ids["head"], [(e["index"], e["metrics"]["node_id"][:6], e["metrics"]["attempts"],
                                              e["metrics"].get("cached")) for e in entries]
    assert {e["metrics"]["node_id"] for e in trained} == {head, worker_id}, seen  # children ran on both nodes
    after = [e for e in trained if e["index"] >= killed_after + 2]
    assert after and all(e["metrics"]["node_id"] == head for e in after), seen  # after the crash: the head only
    retried = [e for e in trained if e["metrics"]["attempts"] > 1]  # the child the worker was training
    assert retried and all(e["metrics"]["node_id"] == head for e in retried), seen
    summary = json.loads((out / "summary.json").read_text())
    assert summary["num_evaluations"] == BUDGET and summary["store"]["rows"] == len(trained), summary
