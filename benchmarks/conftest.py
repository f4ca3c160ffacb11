"""Benchmark session set-up: report the BLAS in use, since it decides matmul speed."""
from __future__ import annotations

from typing import Any


def pytest_report_header(config: Any) -> list:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["blas: threadpoolctl not installed"]
    lines = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            lines.append(f"blas: {info.get('internal_api')} {info.get('version')} "
                         f"kernel={info.get('architecture')} threads={info.get('num_threads')} "
                         f"({info.get('filepath')})")
    return lines or ["blas: none found"]
