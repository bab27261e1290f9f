"""llama.cpp build variants on this CPU: prefill and decode tokens/s of the packaged GGUF, per build.

    python -m benchmarks.llm_builds [--variants portable,native,avx2] [--runs 3] [--rounds 2] [--threads 2]
                                    [--model GGUF] [--out FILE]

Variants: ``portable`` is what scripts/setup.sh builds (GGML_NATIVE=OFF and the CPU's own instruction sets listed
one by one by scripts/cpu_flags.py: AVX2, AVX-512 where present, never AMX); ``native`` is llama.cpp's default
(-march=native and, on an AMX Xeon, the AMX kernels that crashed); ``avx2`` forces AVX-512 off (equal to
``portable`` on a CPU without AVX-512, then skipped); ``no-openmp`` is ``portable`` with llama.cpp's own thread pool
instead of OpenMP. Each variant's wheel is built once into the same cache setup uses (~5 min each) and loaded from a
private --target directory in a child process, so the project's venv is untouched and a crashing variant is a
result, not a crash. Runs are interleaved (variant A, B, A, B, ...) so that drift of a shared machine affects all.

Prefill: a fresh ~520-token prompt (cache reset) with max_tokens=1, tokens/s. Decode: 64 generated tokens after the
first, tokens/s. Medians over --runs. The model: --model, else the configured CHRONICLE_LLM_MODEL_PATH, else the
packaged GGUF in the model cache (assembled by Chronicle.check_model() when it is not there yet).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT, base_parser, envelope, skip, write_json

LLAMA_VERSION = next(
    line.split("==")[1].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
    if line.startswith("llama-cpp-python==")
)
CACHE = Path(os.environ.get("CHRONICLE_WHEEL_CACHE", Path.home() / ".cache" / "chronicle" / "wheels"))

_MEASURE = r"""
import json, sys, time
import llama_cpp
path, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
llm = llama_cpp.Llama(model_path=path, n_ctx=2048, n_batch=512, n_threads=threads, rope_freq_base=0, seed=0,
                      verbose=False)
para = ("Azerbaijan launched what it called anti-terrorist operations in Nagorno-Karabakh on Tuesday, and the "
        "region's ethnic Armenian authorities said civilians were among the dead as shelling hit the regional "
        "capital. Russia, which brokered a ceasefire in 2020, called for all sides to stop fighting. ")
prompt = para * 9
n_prompt = len(llm.tokenize(prompt.encode()))
out = []
for _ in range(runs):
    llm.reset()
    t0 = time.perf_counter()
    llm.create_completion(prompt, max_tokens=1, temperature=0.0)
    prefill = n_prompt / (time.perf_counter() - t0)
    llm.reset()
    stream = llm.create_completion("Write a numbered list of twenty facts about rivers.\n1.", max_tokens=65,
                                   temperature=0.0, stream=True)
    first = None
    count = 0
    for _chunk in stream:
        count += 1
        if first is None:
            first = time.perf_counter()
    decode = (count - 1) / (time.perf_counter() - first) if count > 1 else 0.0
    out.append({"prefill_tps": prefill, "decode_tps": decode, "prompt_tokens": n_prompt, "decoded": count - 1})
print("RESULT" + json.dumps({"runs": out,
                             "system_info": llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()}))
"""


def _cpu_flags() -> str:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "cpu_flags.py")], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def variant_flags() -> dict[str, str]:
    portable = _cpu_flags()
    avx2 = " ".join(a if not a.startswith("-DGGML_AVX512") else a.split("=")[0] + "=OFF" for a in portable.split())
    return {
        "portable": portable,
        "native": "-DGGML_NATIVE=ON -DGGML_CCACHE=OFF",
        "avx2": avx2,
        "no-openmp": portable + " -DGGML_OPENMP=OFF",
    }


def wheel_for(flags: str) -> Path:
    """The cached wheel for these flags (the same cache and key as scripts/setup.sh), built if missing."""
    key = hashlib.sha256(f"{LLAMA_VERSION} {flags}".encode()).hexdigest()[:12]
    folder = CACHE / f"llama-cpp-python-{LLAMA_VERSION}-{key}"
    wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    if wheels:
        return wheels[0]
    print(f"building llama-cpp-python with {flags} (~5 min) ...", flush=True)
    tmp = folder.with_name(folder.name + ".tmp")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir", "--no-binary",
                    "llama-cpp-python", f"llama-cpp-python=={LLAMA_VERSION}", "-w", str(tmp)],
                   env={**os.environ, "CMAKE_ARGS": flags}, check=True)
    tmp.rename(folder)
    (folder / "CMAKE_ARGS").write_text(flags + "\n")
    return sorted(folder.glob("llama_cpp_python-*.whl"))[0]


def describe_exit(code: int) -> str:
    """'crashed with SIGSEGV', 'exited with code 1': how a measuring child ended."""
    if code < 0:
        try:
            return f"crashed with {signal.Signals(-code).name}"
        except ValueError:
            return f"was ended by signal {-code}"
    return f"exited with code {code}"


def model_path(given: Path | None) -> Path | None:
    """The GGUF to measure: --model, the configured one, or the packaged one (assembled on first need)."""
    from app import Chronicle, load_settings

    settings = load_settings(answer_mode="llm", llm_backend="gguf")
    if given or settings.llm_model_path:
        return given or settings.llm_model_path
    found = sorted(settings.model_cache_dir.glob("*.gguf"))
    if not found:
        print(Chronicle(settings).check_model().message, flush=True)  # assembles the packaged GGUF, probes it
        found = sorted(settings.model_cache_dir.glob("*.gguf"))
    return found[0] if found else None


def measure(target: Path, model: Path, threads: int, runs: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(model), str(threads), str(runs)], env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return {"error": f"the model process {describe_exit(done.returncode)}", "stderr": done.stderr[-800:]}
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[6:])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "llm_builds.json")
    ap.add_argument("--variants", default="portable,native,avx2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds (each runs every variant --runs times)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", type=Path, default=None, help="a GGUF file (default: the configured or packaged one)")
    args = ap.parse_args(argv)
    model = model_path(args.model)
    if model is None or not model.exists():
        return skip(f"no GGUF model ({model or 'the packaged one is not installed'}): run `make setup` or pass --model",
                    args.out)
    flags = variant_flags()
    chosen: dict[str, str] = {}
    for name in args.variants.split(","):
        if flags[name] in chosen.values():
            print(f"{name}: same flags as {next(k for k, v in chosen.items() if v == flags[name])} here, skipped")
            continue
        chosen[name] = flags[name]
    targets = {}
    with tempfile.TemporaryDirectory(prefix="chronicle-builds-") as tmp:
        for name, f in chosen.items():
            target = Path(tmp) / name
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                            str(wheel_for(f))], check=True)
            targets[name] = target
        raw: dict[str, list[dict[str, Any]]] = {name: [] for name in chosen}
        info: dict[str, Any] = {}
        for _ in range(args.rounds):
            for name, target in targets.items():
                got = measure(target, model, args.threads, args.runs)
                if "error" in got:
                    info[name] = got
                    continue
                raw[name] += got["runs"]
                info[name] = got["system_info"]
    variants = {}
    for name in chosen:
        runs = raw[name]
        variants[name] = {
            "cmake_args": chosen[name],
            "system_info": info.get(name),
            "prefill_tokens_per_s": round(statistics.median(r["prefill_tps"] for r in runs), 1) if runs else None,
            "decode_tokens_per_s": round(statistics.median(r["decode_tps"] for r in runs), 1) if runs else None,
            "prompt_tokens": runs[0]["prompt_tokens"] if runs else None,
            "samples": len(runs),
        }
        print(name, json.dumps({k: v for k, v in variants[name].items() if k != "cmake_args"}), flush=True)
    result = envelope("llm_builds", {"model": model.name, "threads": args.threads, "variants": variants})
    write_json(args.out, result)
    return result


if __name__ == "__main__":
    main()
