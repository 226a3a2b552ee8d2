"""What the benchmarks print about the machine they ran on."""

import platform


def cpu_name():
    """The processor's model name from /proc/cpuinfo, or the platform's."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
