"""Explicit llama.cpp build flags for the CPU this runs on: never llama.cpp's native detection, never AMX.

Why: a llama-cpp-python built with GGML_NATIVE=ON (``-march=native``) crashed with SIGSEGV on its first decode on
an Intel Xeon VM advertising AMX (the AMX kernels), killing the web server with it. A build with GGML_NATIVE=OFF and
the CPU's own instruction sets listed one by one ran there; with AVX-512 on and every AMX option off it prefilled
1.45x faster than AVX2 alone (111 vs 75 tokens/s on a 526-token prompt, 2 threads).

Rules: x86-64 gets AVX/AVX2/FMA/F16C/BMI2 when /proc/cpuinfo lists them, AVX-512 (F, CD, VL, DQ, BW: what
ggml's GGML_AVX512 compiles for) only when all five are listed, VBMI/VNNI/BF16 on top when listed, AVX-VNNI
likewise, AMX_TILE/INT8/BF16 always OFF. A CPU without AVX2 gets a build without it, with a clear warning (about
4x slower generation; extractive mode or CHRONICLE_LLM_BASE_URL are the alternatives). Other architectures keep
llama.cpp's portable defaults (GGML_NATIVE=OFF).

Rejected (not built here): GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS, llama.cpp's runtime dispatch over a dozen CPU
variants. Its selection scores each variant by the features the CPU reports, so on the AMX Xeon it would pick the
AMX ("sapphirerapids") variant, the very kernels that crashed, unless its variant list is patched; it also builds
every variant (several times the ~5 minute build), and the dynamic libraries must be found at run time by path.
Explicit flags per machine give the same speed (each machine builds once) with nothing to patch.

    python3 scripts/cpu_flags.py            # prints the CMAKE_ARGS value
    python3 scripts/cpu_flags.py --explain  # what was chosen and why (stderr)
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

AVX512_BASE = ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")
# cmake option -> the /proc/cpuinfo flags it needs
OPTIONAL = {
    "GGML_SSE42": ("sse4_2",),
    "GGML_AVX": ("avx",),
    "GGML_AVX2": ("avx2",),
    "GGML_FMA": ("fma",),
    "GGML_F16C": ("f16c",),
    "GGML_BMI2": ("bmi2",),
    "GGML_AVX_VNNI": ("avx_vnni",),
    "GGML_AVX512": AVX512_BASE,
    "GGML_AVX512_VBMI": (*AVX512_BASE, "avx512vbmi"),
    "GGML_AVX512_VNNI": (*AVX512_BASE, "avx512_vnni"),
    "GGML_AVX512_BF16": (*AVX512_BASE, "avx512_bf16"),
}
NEVER = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")
FIXED = ("-DGGML_NATIVE=OFF", "-DGGML_CCACHE=OFF")


def cpu_flags(cpuinfo: str) -> set[str]:
    """The instruction-set flags of the first processor listed in /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cmake_args(flags: set[str], machine: str = "x86_64") -> tuple[list[str], list[str]]:
    """(cmake -D arguments, warnings) for a CPU with these flags."""
    if machine not in ("x86_64", "AMD64", "amd64"):
        return list(FIXED), []
    args = list(FIXED)
    for option, needs in OPTIONAL.items():
        args.append(f"-D{option}={'ON' if all(f in flags for f in needs) else 'OFF'}")
    args += [f"-D{option}=OFF" for option in NEVER]
    warnings = []
    if "avx2" not in flags:
        warnings.append(
            "this CPU has no AVX2: llama.cpp is built without it and the packaged model will answer slowly "
            "(several times slower). Consider CHRONICLE_ANSWER_MODE=extractive, or CHRONICLE_LLM_BACKEND=openai with "
            "CHRONICLE_LLM_BASE_URL pointing at a model server on a faster machine."
        )
    return args, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpuinfo", default="/proc/cpuinfo", help="a cpuinfo file (tests pass recorded ones)")
    parser.add_argument("--machine", default=platform.machine())
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    path = Path(args.cpuinfo)
    flags = cpu_flags(path.read_text(errors="replace")) if path.exists() else set()
    cmake, warnings = cmake_args(flags, args.machine)
    for w in warnings:
        print(f"setup: WARNING: {w}", file=sys.stderr)
    if args.explain:
        on = [a[2:].removesuffix("=ON") for a in cmake if a.endswith("=ON")]
        print(f"setup: llama.cpp build for {args.machine}: {', '.join(on) or 'portable defaults'}; AMX off",
              file=sys.stderr)
    print(" ".join(cmake))
    return 0


if __name__ == "__main__":
    sys.exit(main())
