"""The benchmark report writer on a tiny synthetic result (no timing), and ``minitorch bench --help``."""

from __future__ import annotations

import json
import statistics

import pytest
from minitorch_app.benchmarks import driver
from minitorch_app.benchmarks import report as bench_report

from minitorch_app import cli


def _bench(case: str, engine: str, median: float, level: str = "model", **info: object) -> dict:
    return {
        "name": f"test_x[{engine}-cpu-{case}]",
        "group": case,
        "extra_info": {
            "case": case,
            "title": f"title of {case}",
            "level": level,
            "engine": engine,
            "device": "cpu",
            **info,
        },
        "stats": {
            "median": median,
            "mean": median,
            "min": median,
            "stddev": 0.0,
            "q1": median * 0.9,
            "q3": median * 1.1,
            "rounds": 7,
        },
    }


def _results_raw() -> list:
    return [
        _bench("lenet_step_b4", "minitorch", 0.001, batch=4),
        _bench("lenet_step_b4", "torch", 0.002, batch=4),
        _bench("lenet_step_b64", "minitorch", 0.006, batch=64),
        _bench("lenet_step_b64", "torch", 0.004, batch=64),
        _bench("lenet_step_b256", "minitorch", 0.012, batch=256),
        _bench("lenet_step_b256", "torch", 0.012, batch=256),
        _bench("matmul_512", "minitorch", 3e-4, level="op"),
        _bench("matmul_512", "torch", 4e-4, level="op"),
    ]


def _results() -> dict:
    raw = {"benchmarks": _results_raw()}
    memory = [
        {"case": "lenet_step_b256", "title": "LeNet 256", "engine": "minitorch", "growth_mib": 30.0, "peak_mib": 80.0},
        {"case": "lenet_step_b256", "title": "LeNet 256", "engine": "torch", "growth_mib": 20.0, "peak_mib": 300.0},
    ]
    machine = {
        "cpu": "Test CPU",
        "cores": 2,
        "python": "3.11",
        "numpy": "2",
        "torch": "2.13",
        "threadpools": [
            {
                "user_api": "blas",
                "internal_api": "openblas",
                "version": "0.3",
                "architecture": "Haswell",
                "num_threads": 1,
                "filepath": "/x/libopenblas.so",
            }
        ],
    }
    env = {"OPENBLAS_NUM_THREADS": "1", "PATH": "/bin"}
    return bench_report.assemble(raw, memory, machine, env, {"command": "minitorch bench", "seconds": 1.0})


def test_pairs_engines_and_computes_ratios():
    results = _results()
    by_case = {r["case"]: r for r in results["cases"]}
    assert by_case["lenet_step_b4"]["ratio"] == pytest.approx(0.5)
    assert by_case["lenet_step_b64"]["ratio"] == pytest.approx(1.5)
    assert by_case["matmul_512"]["ratio"] == pytest.approx(0.75)
    assert by_case["lenet_step_b4"]["minitorch"]["iqr_s"] == pytest.approx(0.0002)
    assert results["memory"][0]["ratio"] == pytest.approx(1.5)
    assert results["environment"] == {"OPENBLAS_NUM_THREADS": "1"}  # only the variables that matter


def test_writes_markdown_json_and_charts(tmp_path):
    pytest.importorskip("matplotlib")
    written = bench_report.write_report(_results(), tmp_path)
    names = {p.rsplit("/", 1)[-1] for p in written}
    assert names == {"REPORT.md", "results.json", "ratios.png", "lenet_batch.png"}
    for png in ("ratios.png", "lenet_batch.png"):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (tmp_path / "REPORT.md").read_text()
    assert "| case | minitorch | torch | ratio | target |" in report
    assert "| title of lenet_step_b4 | 1.00 ms | 2.00 ms | **0.50** | ≤ 0.8 (met) |" in report
    assert "| title of lenet_step_b64 | 6.00 ms | 4.00 ms | **1.50** | ≤ 0.8 (not met) |" in report
    assert "| title of matmul_512 | 300.0 µs | 400.0 µs | **0.75** |" in report
    assert "openblas 0.3, kernel Haswell, 1 threads" in report
    assert "![ratios](ratios.png)" in report and "`OPENBLAS_NUM_THREADS=1`" in report
    assert json.loads((tmp_path / "results.json").read_text())["format"] == bench_report.FORMAT


def test_repeated_sessions_report_the_median_of_the_session_medians(tmp_path):
    sessions = [
        {"benchmarks": [_bench("lenet_step_b64", "minitorch", m), _bench("lenet_step_b64", "torch", t)]}
        for m, t in ((0.006, 0.008), (0.009, 0.008), (0.005, 0.010))
    ]
    raw = bench_report.merge_sessions(sessions)
    results = bench_report.assemble(raw, [], {}, {}, {"command": "minitorch bench --repeat 3", "sessions": 3})
    row = results["cases"][0]
    assert row["minitorch"]["median_s"] == pytest.approx(0.006)  # not the mean (0.00667), not the first
    assert row["torch"]["median_s"] == pytest.approx(0.008)
    assert row["minitorch"]["session_medians_s"] == [0.006, 0.009, 0.005]
    assert row["minitorch"]["rounds"] == 21 and row["minitorch"]["min_s"] == pytest.approx(0.005)
    assert row["ratio"] == pytest.approx(0.75)
    assert bench_report.merge_sessions(sessions[:1]) is sessions[0]
    bench_report.write_report(results, tmp_path)
    assert "median of the 3 sessions' medians" in (tmp_path / "REPORT.md").read_text()


def test_filter_expression_matches_like_pytest_k():
    assert driver.matches("lenet and not b4", "memory lenet_step_b256 torch")
    assert not driver.matches("lenet and not b4", "memory lenet_step_b4 torch")
    assert driver.matches("(two_layer or epoch) and minitorch", "memory fashion_epoch minitorch")
    assert driver.matches(None, "anything")


def test_bench_env_unsets_slow_openblas_settings(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    env = driver.bench_env(1, ["MALLOC_TRIM_THRESHOLD_=1"], keep=False)
    assert "OPENBLAS_CORETYPE" not in env and env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert env["MALLOC_TRIM_THRESHOLD_"] == "1"
    assert driver.bench_env(None, [], keep=True)["OPENBLAS_CORETYPE"] == "Haswell"
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert driver.bench_env(1, [], keep=False, malloc=True)["MALLOC_MMAP_THRESHOLD_"] == str(1 << 30)
    assert "MALLOC_MMAP_THRESHOLD_" not in driver.bench_env(1, [], keep=False)  # users' default: left alone


def test_bench_help(capsys):
    assert cli.main(["bench", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--quick" in out and "--filter" in out and "REPORT.md" in out


def test_the_gpu_section_lists_gpu_cases_and_the_lenet_targets() -> None:
    def gpu(case: str, engine: str, median: float) -> dict:
        row = _bench(case, engine, median, batch=int(case.rsplit("_b", 1)[1]))
        row["extra_info"]["device"] = "cuda"
        return row

    raw = {
        "benchmarks": [
            gpu("gpu_lenet_step_b64", "minitorch", 0.0020),
            gpu("gpu_lenet_step_b64", "torch", 0.0025),
            gpu("gpu_lenet_graph_b64", "minitorch", 0.0010),
            gpu("gpu_lenet_graph_b64", "torch", 0.0008),
        ]
    }
    results = bench_report.assemble(raw, [], {"gpu": "NVIDIA H200"}, {}, {"command": "minitorch bench --device cuda"})
    text = bench_report.render_markdown(results, [])
    assert "## GPU" in text and "On NVIDIA H200" in text and "[cuda]" in text
    assert "| minitorch eager / torch eager | **0.80** | ≤ 1 |" in text
    assert "| minitorch captured / torch eager | **0.40** | ≤ 0.5 |" in text
    assert "| minitorch captured / torch captured | **1.25** (not met) | ≤ 1 |" in text
    assert "## Model level" not in text  # GPU rows stay out of the CPU sections


def test_bench_takes_a_device() -> None:
    import argparse

    p = argparse.ArgumentParser()
    driver.add_arguments(p)
    assert p.parse_args(["--device", "cuda"]).device == "cuda" and p.parse_args([]).device == "all"


def test_the_headline_shows_the_one_thread_pass_beside_the_default_environment(tmp_path):
    one = {
        "benchmarks": [
            _bench("lenet_step_b4", "minitorch", 0.0009, batch=4),
            _bench("lenet_step_b4", "torch", 0.001, batch=4),
            _bench("lstm_step", "minitorch", 0.2),
            _bench("lstm_step", "torch", 0.1),
        ]
    }
    base = _results()
    raw = {"benchmarks": _results_raw()}
    results = bench_report.assemble(
        raw,
        [],
        {"cpu": "Test CPU", "usable_cores": 2, "minitorch_threads": 2, "numba": "0.1", "fast_kernels": ["K"]},
        {"OMP_NUM_THREADS": "2"},
        {"command": "minitorch bench"},
        (one, {"OMP_NUM_THREADS": "1"}),
    )
    assert base["cases"] and "one_thread" not in base
    text = bench_report.render_markdown(results, [])
    assert "ratio, 1 thread | target, 1 thread |" in text
    # default: 0.50 against 0.8; one thread: 0.90 against 0.8
    assert (
        "| title of lenet_step_b4 | 1.00 ms | 2.00 ms | **0.50** | ≤ 0.8 (met) | 900.0 µs | 1.00 ms | **0.90** | ≤ 0.8 (not met) |"
        in text
    )
    assert (
        "| title of lenet_step_b64 | 6.00 ms | 4.00 ms | **1.50** | ≤ 0.8 (not met) | - | - | **-** | ≤ 0.8 |" in text
    )
    assert (
        "host kernels: numba 0.1 (K; parallel loops on numba's" in text
        and "one-thread pass: `OMP_NUM_THREADS=1`" in text
    )
    bench_report.write_report(results, tmp_path)
    assert json.loads((tmp_path / "results.json").read_text())["one_thread"]["cases"][0]["ratio"] == pytest.approx(0.9)


def test_a_ratio_over_several_sessions_is_the_median_of_the_sessions_ratios() -> None:
    """Each session times both engines under the same load: its ratio is paired; the sessions' speeds drift."""
    stats = {"median": 1.0, "mean": 1.0, "min": 1.0, "stddev": 0.0, "q1": 1.0, "q3": 1.0, "rounds": 5}

    def bench(engine: str, medians: list) -> dict:
        return {
            "name": f"test_model[{engine}-cpu-c]",
            "fullname": f"test_model[{engine}-cpu-c]",
            "extra_info": {"case": "c", "engine": engine, "title": "c", "level": "model"},
            "stats": {**stats, "median": statistics.median(medians), "session_medians": medians},
        }

    # minitorch is 0.5x torch in every session, but the sessions ran at different speeds
    row = bench_report.pair_timings([bench("minitorch", [1.0, 3.0, 5.0]), bench("torch", [2.0, 6.0, 10.0])])[0]
    assert row["ratio"] == pytest.approx(0.5)
    row = bench_report.pair_timings([bench("minitorch", [1.0, 3.0, 9.0]), bench("torch", [10.0, 2.0, 10.0])])[0]
    assert row["ratio"] == pytest.approx(0.9)  # session ratios 0.1, 1.5, 0.9: their median, not 3.0 / 10.0


def test_the_suites_time_each_case_for_both_engines_back_to_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collection hook pairs each case's engines (the parametrization gives every minitorch case first),
    keeps the cases in their order, and puts torch first in odd sessions."""
    import pathlib
    import types

    from minitorch_app.benchmarks import conftest as bench_conftest

    def item(test: str, engine: str, case: str | None) -> types.SimpleNamespace:
        params = {"engine": (engine, "cpu")} | ({"case": case} if case else {})
        return types.SimpleNamespace(
            path=pathlib.Path("suite.py"),
            originalname=test,
            callspec=types.SimpleNamespace(params=params),
            name=f"{test}[{engine}-{case}]",
        )

    collected = [item("test_model", e, c) for e in ("minitorch", "torch") for c in ("a", "b")]
    collected += [item("test_sgd", e, None) for e in ("minitorch", "torch")]
    names = lambda items: [i.name for i in items]  # noqa: E731
    monkeypatch.delenv("MINITORCH_BENCH_SESSION", raising=False)
    items = list(collected)
    bench_conftest.pytest_collection_modifyitems(None, items)
    assert names(items) == [
        "test_model[minitorch-a]", "test_model[torch-a]", "test_model[minitorch-b]", "test_model[torch-b]",
        "test_sgd[minitorch-None]", "test_sgd[torch-None]",
    ]  # fmt: skip
    monkeypatch.setenv("MINITORCH_BENCH_SESSION", "3")
    items = list(collected)
    bench_conftest.pytest_collection_modifyitems(None, items)
    assert names(items)[:2] == ["test_model[torch-a]", "test_model[minitorch-a]"]
    assert sorted(names(items)) == sorted(names(collected))
