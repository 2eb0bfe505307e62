"""Peak memory of a block, on CUDA or CPU: shared by the eval harness and the orchestrator."""

from __future__ import annotations

from pathlib import Path

import torch

__all__ = ["PeakMemory"]


class PeakMemory:
    """Peak memory of a block: CUDA `max_memory_allocated`, else the resident-set high-water mark.

    On Linux the RSS high-water mark is reset per block (`/proc/self/clear_refs`, value 5), so
    the number is the peak of this block, not of the whole process; where that is not
    permitted it is the process peak so far (`reset` says which).
    """

    def __init__(self, device: torch.device | str):
        self.device = torch.device(device)
        self.peak_bytes = 0
        self.reset = False

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self.reset = True
        else:
            self.reset = _reset_rss_peak()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
        else:
            self.peak_bytes = _rss_peak_bytes()


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_peak_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
