"""Derive the compact tables shipped in ``nas_env/data`` from the raw benchmark files.

Run once from the repository root (raw files are not shipped, the outputs are)::

    python -m nas_env.data.derive --raw ../shared/data

Outputs, both ``.npz`` (numpy only at run time):

``nb201.npz``  NAS-Bench-201, rows in *token order* (row = mixed-radix base-5 of the
    6 edge tokens, ops indexed as ``nas_env.spaces.NB201_OPS``). Accuracies in %.
    ``nb201_index`` (NB201's own arch index), ``arch_str``, and per dataset
    ``D`` in ``cifar10, cifar100, imagenet16-120``: ``D__val200`` (n, 3; NaN where a cell
    has only 2 seeds), ``D__train_time200`` (seconds for 200 epochs), ``D__params``
    (millions), ``D__val12``, ``D__test12``; plus ``cifar10__test200`` and the
    latency matrix ``latency_ms`` (n, 7) with ``latency_devices``.
``macro.npz``  NAS-Bench-Macro, rows in token order (base 3 of the 8 layer tokens):
    ``test_acc`` (n, 3, %), ``params``, ``flops``, ``key``.

Sources and licences: see ``nas_env/data/README.md`` and ``NOTICE``.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
from pathlib import Path

import numpy as np

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
DATASETS = ("cifar10", "cifar100", "imagenet16-120")
CSV12 = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}
DEVICES = ("eyeriss", "fpga", "gold_6226", "pixel2", "pixel3", "raspi4", "titan_rtx_256")
N_NB201 = 5**6
N_MACRO = 3**8


def cellstr_to_tokens(s: str) -> tuple[int, ...]:
    ops = [part.split("~")[0] for node in s.split("+") for part in node.strip("|").split("|")]
    return tuple(OPS.index(op) for op in ops)


def row_of(tokens: tuple[int, ...], base: int) -> int:
    r = 0
    for t in tokens:
        r = r * base + t
    return r


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def derive_nb201(raw: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    rows200 = read_csv(raw / "nb201" / "nb201_cifar10_200ep.csv")
    rows12 = read_csv(raw / "nb201" / "nb201_all_12ep.csv")
    lat = read_csv(raw / "hw-latency" / "nb201_latency_ms.csv")
    assert len(rows200) == len(rows12) == len(lat) == N_NB201
    order = np.empty(N_NB201, dtype=np.int64)  # NB201 index -> our row
    arch_str = np.empty(N_NB201, dtype=object)
    for r200, r12, rl in zip(rows200, rows12, lat):
        idx = int(r200["arch"])
        assert int(r12["arch"]) == idx == int(rl["arch_index"]), idx
        assert r200["cellstr"] == r12["cellstr"] == rl["arch_str"], idx
        row = row_of(cellstr_to_tokens(r200["cellstr"]), 5)
        order[idx] = row
        arch_str[row] = r200["cellstr"]
    assert len(set(order.tolist())) == N_NB201
    nb201_index = np.empty(N_NB201, dtype=np.int32)
    nb201_index[order] = np.arange(N_NB201)
    out["nb201_index"] = nb201_index
    out["arch_str"] = arch_str.astype(str)

    test200 = np.full(N_NB201, np.nan)
    val200_mean_check = np.full(N_NB201, np.nan)
    for r in rows200:
        row = order[int(r["arch"])]
        test200[row] = float(r["test_top1"])
        val200_mean_check[row] = float(r["valid_top1"])
    out["cifar10__test200"] = test200

    for ds in DATASETS:
        with open(raw / "nb201" / f"shb_{ds}.pkl", "rb") as f:
            shb = pickle.load(f)
        assert len(shb) == N_NB201
        val = np.full((N_NB201, 3), np.nan)
        ttime = np.full(N_NB201, np.nan)
        params = np.full(N_NB201, np.nan)
        for key, rec in shb.items():
            row = row_of(tuple(int(c) for c in key), 5)
            seeds = rec["val_acc"]
            val[row, : len(seeds)] = seeds
            ttime[row] = rec["train_time"][0]
            params[row] = rec["model_size"][0]
        out[f"{ds}__val200"] = val
        out[f"{ds}__train_time200"] = ttime
        out[f"{ds}__params"] = params
        v12 = np.full(N_NB201, np.nan)
        t12 = np.full(N_NB201, np.nan)
        for r in rows12:
            row = order[int(r["arch"])]
            v12[row] = float(r[f"{CSV12[ds]}-val"])
            t12[row] = float(r[f"{CSV12[ds]}-test"])
        out[f"{ds}__val12"] = v12
        out[f"{ds}__test12"] = t12
    # cross-check: the 200-epoch CSV's valid_top1 (an average over seeds) lies within the pickle's seeds
    lo = np.nanmin(out["cifar10__val200"], axis=1) - 0.01
    hi = np.nanmax(out["cifar10__val200"], axis=1) + 0.01
    assert ((val200_mean_check >= lo) & (val200_mean_check <= hi)).all()

    latency = np.full((N_NB201, len(DEVICES)), np.nan)
    for r in lat:
        row = order[int(r["arch_index"])]
        latency[row] = [float(r[d]) for d in DEVICES]
    out["latency_ms"] = latency
    out["latency_devices"] = np.array(DEVICES)
    for k, v in out.items():
        if v.dtype.kind == "f" and k not in ("cifar10__val200", "cifar100__val200", "imagenet16-120__val200"):
            assert not np.isnan(v).any(), k
    return out


def derive_macro(raw: Path) -> dict[str, np.ndarray]:
    with open(raw / "nas-bench-macro" / "nas-bench-macro_cifar10.json") as f:
        table = json.load(f)
    assert len(table) == N_MACRO
    test = np.full((N_MACRO, 3), np.nan)
    params = np.zeros(N_MACRO, dtype=np.int64)
    flops = np.zeros(N_MACRO, dtype=np.int64)
    keys = np.empty(N_MACRO, dtype=object)
    for key, rec in table.items():
        row = row_of(tuple(int(c) for c in key), 3)
        test[row] = rec["test_acc"]
        params[row] = rec["params"]
        flops[row] = rec["flops"]
        keys[row] = key
    assert not np.isnan(test).any()
    return {"test_acc": test, "params": params, "flops": flops, "key": keys.astype(str)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=Path("../shared/data"), help="folder of the raw files")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent, help="where to write the .npz files")
    args = ap.parse_args()
    np.savez_compressed(args.out / "nb201.npz", **derive_nb201(args.raw))
    np.savez_compressed(args.out / "macro.npz", **derive_macro(args.raw))
    for name in ("nb201.npz", "macro.npz"):
        print(f"wrote {args.out / name} ({(args.out / name).stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
