"""Day 2 — resource truth: every container's peak memory over the whole run, as the node's kernel
counted it (cgroup high-water marks read through the kubelet, sampled from the first test on by
the `memory_peaks` fixture), stays more than 10 % below its limit. The table of figures per
container, next to its request and limit, is printed and kept in the acceptance figures."""

from __future__ import annotations

from typing import Any

import pytest
from memory import MemorySampler, render

pytestmark = [pytest.mark.usefixtures("release"), pytest.mark.runtime]

HEADROOM = 0.10  # fail when a container came within 10 % of its memory limit
SERVING = {"api", "frontend", "postgresql"}


@pytest.mark.session_end
def test_no_container_came_within_10_percent_of_its_memory_limit(
    memory_peaks: MemorySampler, figures: dict[str, Any]
) -> None:
    memory_peaks.sample()  # the latest figures, on top of those sampled all run long
    peaks = memory_peaks.table()
    table = render(peaks)
    print("\n" + "\n".join(table))
    figures["peak memory per container (whole run)"] = table
    sampled = {p.component for p in peaks}
    assert sampled >= SERVING, f"not every component was sampled:\n{table}"
    for peak in peaks:
        assert peak.limit, f"{peak.component}/{peak.container} has no memory limit"
        if peak.component in SERVING:  # Job pods may live for one sample only
            assert peak.samples >= 2, f"{peak.component}/{peak.container} sampled once"
    close = [p for p in peaks if p.peak >= (1 - HEADROOM) * p.limit]
    assert not close, "within 10 % of the memory limit:\n" + "\n".join(table)
