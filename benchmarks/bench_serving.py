"""`make bench`: the generated service against the floor and the tutorial service, and batch.

Run by the template's Makefile in a baked, trained default project (the working directory),
with that project's Python. In one run it measures with wrk, each on the project's own
`serve` command (serve_app.py): our /predict and /predict/batch; the floor (our app with a
constant model: the model's cost); the tutorial service (a scikit-learn Pipeline on a
DataFrame per request); a bare ASGI app (the Python HTTP limit, for scale). Then batch
`predict` of a 1M-row CSV against the raw model's own rows/s on ready columns. It prints the
figures, each ratio and its target, and asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(Path.cwd() / "benchmarks"))

import bench  # noqa: E402  (the project's own load test: bodies, servers, wrk)

#: label -> (app module served in place of ours, readiness path).
SERVICES = {
    "ours": (None, "/ready"),
    "floor": ("floor_app", "/ready"),
    "tutorial": ("tutorial_app", "/health"),
    "bare": ("bare_app", "/ready"),
}
#: (reference, endpoint) -> the target of ours / reference in requests/s.
TARGETS = {
    ("floor", "/predict"): 0.9,
    ("tutorial", "/predict"): 15.0,
    ("floor", "/predict/batch"): 0.8,
    ("tutorial", "/predict/batch"): 5.0,
}
BATCH_TARGET = 0.5
COMPARED = {path for _, path in TARGETS}


def command(package: str, label: str) -> list[str]:
    """Return the command that serves ``label``'s app with the project's `serve`."""
    module, _ = SERVICES[label]
    if module is None:
        return [sys.executable, "-m", package, "serve"]
    return [sys.executable, str(HERE / "serve_app.py"), package, module, "serve"]


def workers(pid: int) -> int:
    """Return the server's worker processes (Linux: its children, but multiprocessing's own)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = children.read_text().split() if children.exists() else []
    tracker = b"resource_tracker"
    return len([c for c in pids if tracker not in Path(f"/proc/{c}/cmdline").read_bytes()])


def answered_by(url: str, body: Path) -> str:
    """Return the model_version of one /predict answer (each comparison app names itself)."""
    request = urllib.request.Request(
        url + "/predict", body.read_bytes(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["model_version"])


def http(args: argparse.Namespace, bodies: dict[str, Path]) -> dict[tuple[str, str], bench.Result]:
    """Measure every service on each endpoint, order flipped each round; keep the best round."""
    best: dict[tuple[str, str], bench.Result] = {}
    with ExitStack() as stack:
        servers = {
            label: stack.enter_context(bench.running(command(args.package, label), ready))
            for label, (_, ready) in SERVICES.items()
        }
        for label, (url, pid) in servers.items():
            version = answered_by(url, bodies["/predict"])
            if (version if version in SERVICES else "ours") != label:
                raise SystemExit(
                    f"error: {label} answered as model {version!r}; serve_app.py failed"
                )
            print(f"{label:<9} {workers(pid)} worker(s), answers as model {version}")
        for round_number in range(args.rounds):
            order = list(servers) if round_number % 2 == 0 else list(servers)[::-1]
            for path, body in bodies.items():
                # The comparison apps answer the endpoints with targets; ?explain=true is ours.
                for label in order if path in COMPARED else ["ours"]:
                    url = servers[label][0] + path
                    bench.wrk(url, body, 1, args.connections, warmup=True)
                    result = bench.wrk(url, body, args.duration, args.connections)
                    if (label, path) not in best or result["rps"] > best[label, path]["rps"]:
                        best[label, path] = result
    return best


def batch(package: str, rows: int, folder: Path) -> tuple[float, float]:
    """Return rows/s of batch `predict` on a ``rows``-row CSV and of the raw model on it."""
    csv = folder / "customers.csv"
    cli = [sys.executable, "-m", package]
    subprocess.run([*cli, "data", "generate", "--rows", str(rows), "--out", str(csv)], check=True)
    start = time.perf_counter()
    subprocess.run(
        [*cli, "predict", "--input", str(csv), "--output", str(folder / "out.csv")], check=True
    )
    cli_rate = rows / (time.perf_counter() - start)
    load = importlib.import_module(f"{package}.data.load")
    schema = importlib.import_module(f"{package}.data.schema")
    predictor = importlib.import_module(f"{package}.inference.predictor")
    frame = load.load_raw(csv, require_target=False)
    columns = {column: frame[column].to_numpy() for column in schema.FEATURE_COLUMNS}
    model = predictor.load_predictor(Path("models"), threads=0)  # as batch: every core
    seconds = []
    for _ in range(3):  # the best of 3 calls: one call's time varies by half here
        start = time.perf_counter()
        model.predict_columns(columns)
        seconds.append(time.perf_counter() - start)
    return cli_rate, rows / min(seconds)


def verdict(ratio: float, target: float) -> str:
    """Return the ratio against its target, in words."""
    return f"{ratio:6.2f}x  (target >= {target:g}: {'met' if ratio >= target else 'MISSED'})"


def main() -> int:
    """Measure, then print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--package", required=True, help="the baked project's package name")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="best of N rounds (noise)")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(f"error: {bench.INSTALL_WRK}", file=sys.stderr)
        return 1
    print(f"CPUs: {os.cpu_count()}; the servers run the project's `serve` with its own options")
    with tempfile.TemporaryDirectory(prefix="churn-bench-") as tmp:
        bodies = {path: bench.write_body(Path(tmp), rows) for path, rows in bench.ENDPOINTS.items()}
        results = http(args, bodies)
        cli_rate, model_rate = batch(args.package, args.batch_rows, Path(tmp))
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration}s, best of {args.rounds} rounds")
    for (label, path), result in sorted(results.items(), key=lambda item: item[0][1]):
        print(bench.line(f"{label} {path}", result, bench.ENDPOINTS[path]))
    print()
    for (reference, path), target in TARGETS.items():
        ratio = results["ours", path]["rps"] / results[reference, path]["rps"]
        print(f"ours / {reference:<9}{path:<16}{verdict(ratio, target)}")
    print(
        f"\nbatch predict, {args.batch_rows:,}-row CSV: {cli_rate:,.0f} rows/s; raw model on "
        f"ready columns: {model_rate:,.0f} rows/s\nbatch / raw model{'':<16}"
        f"{verdict(cli_rate / model_rate, BATCH_TARGET)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
