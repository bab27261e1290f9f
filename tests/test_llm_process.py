"""The model never takes Chronicle down: build flags, the setup check, and the supervised model process.

Fast tests: the build-flag rules on recorded CPU flag sets (the AMX Xeon that crashed, this AMD, a CPU without
AVX2, ARM) and the exit descriptions. Real tests (``-m llm``): a one-token generation in a child process, the setup
check on a deliberately broken model file, and the real model process killed (SIGKILL) or frozen (SIGSTOP) in the
middle of a streamed answer: the answer falls back to the extractive one with a note, a fresh process starts at
once (in the background), and the next question gets a normal LLM answer from it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
from pathlib import Path

import pytest

from app.answer.llm.process import describe_exit
from app.config import PROJECT_ROOT, Settings
from tests.conftest import SEED, make_settings
from tests.helpers_net import chronicle_env, run_cli

_spec = importlib.util.spec_from_file_location("cpu_flags", PROJECT_ROOT / "scripts" / "cpu_flags.py")
cpu_flags = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cpu_flags)

XEON_AMX = (
    "fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma bmi1 bmi2 avx2 avx512f avx512dq avx512cd avx512bw avx512vl "
    "avx512vbmi avx512_vnni avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8 avx_vnni"
)
AMD_AVX2 = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma bmi1 bmi2 avx2 sha_ni vaes"
OLD_NO_AVX2 = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx"


def _args(flags: str, machine: str = "x86_64") -> tuple[dict[str, str], list[str]]:
    args, warnings = cpu_flags.cmake_args(set(flags.split()), machine)
    return dict(a.removeprefix("-D").split("=") for a in args), warnings


def test_the_amx_xeon_gets_avx512_and_never_amx() -> None:
    opts, warnings = _args(XEON_AMX)
    assert opts["GGML_NATIVE"] == "OFF"
    assert all(opts[o] == "ON" for o in ("GGML_AVX2", "GGML_AVX512", "GGML_AVX512_VBMI", "GGML_AVX512_VNNI",
                                         "GGML_AVX512_BF16", "GGML_AVX_VNNI", "GGML_FMA", "GGML_F16C"))
    assert all(opts[o] == "OFF" for o in ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16"))
    assert warnings == []


def test_an_avx2_only_cpu_gets_no_avx512() -> None:
    opts, warnings = _args(AMD_AVX2)
    assert opts["GGML_AVX2"] == "ON" and opts["GGML_AVX512"] == "OFF" and opts["GGML_AVX_VNNI"] == "OFF"
    assert warnings == []


def test_partial_avx512_is_not_enough() -> None:
    opts, _ = _args(AMD_AVX2 + " avx512f avx512cd")  # no BW/DQ/VL: ggml's AVX512 would compile for those too
    assert opts["GGML_AVX512"] == "OFF" and opts["GGML_AVX512_VNNI"] == "OFF"


def test_a_cpu_without_avx2_is_told_clearly() -> None:
    opts, warnings = _args(OLD_NO_AVX2)
    assert opts["GGML_AVX2"] == "OFF" and opts["GGML_FMA"] == "OFF" and opts["GGML_AVX"] == "ON"
    assert warnings and "no AVX2" in warnings[0] and "CHRONICLE_ANSWER_MODE=extractive" in warnings[0]


def test_other_architectures_keep_portable_defaults() -> None:
    opts, warnings = _args("fp asimd", machine="aarch64")
    assert opts == {"GGML_NATIVE": "OFF", "GGML_CCACHE": "OFF"} and warnings == []


def test_cpu_flags_cli_reads_a_cpuinfo_file(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(f"processor\t: 0\nflags\t\t: {XEON_AMX}\n\nprocessor\t: 1\nflags\t\t: {XEON_AMX}\n")
    out = run_cli([str(PROJECT_ROOT / "scripts" / "cpu_flags.py"), "--cpuinfo", str(info), "--machine", "x86_64"],
                  dict(os.environ))
    assert out.returncode == 0
    assert "-DGGML_AVX512=ON" in out.stdout and "-DGGML_AMX_INT8=OFF" in out.stdout
    assert "AMX" not in out.stdout.replace("_AMX_TILE=OFF", "").replace("_AMX_INT8=OFF", "").replace("_AMX_BF16=OFF", "")


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(-signal.SIGSEGV).startswith("crashed with SIGSEGV")
    assert describe_exit(-signal.SIGILL).startswith("crashed with SIGILL")
    assert describe_exit(-signal.SIGKILL).startswith("was killed by SIGKILL")
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(None) == "is running"


# --- the real model ---------------------------------------------------------------------------------------------


@pytest.mark.llm
def test_one_token_generation_runs_in_a_child_process() -> None:
    """What crashed pytest on the AMX machine now runs in a child: its exit code is a result, not a crash."""
    from app.answer.llm.model_files import packaged_model_path
    from app.answer.llm.process import probe
    from app.config import load_settings

    result = probe(packaged_model_path(load_settings().model_cache_dir), threads=2)
    assert result.ok, f"the model process {result.status}:\n{result.detail}"
    assert '"ok": true' in result.detail and "AVX2 = 1" in result.detail


@pytest.mark.llm
def test_setup_check_reports_a_broken_model_file(tmp_path: Path) -> None:
    from app.answer.llm.model_files import packaged_model_path
    from app.config import load_settings

    real = packaged_model_path(load_settings().model_cache_dir)
    broken = tmp_path / "truncated.gguf"
    with real.open("rb") as src, broken.open("wb") as dst:
        dst.write(src.read(8_000_000))  # a GGUF header and the first tensors, then nothing
    env = chronicle_env(tmp_path / "store", mode="llm", CHRONICLE_LLM_MODEL_PATH=str(broken))
    done = run_cli(["-m", "app", "prepare"], env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot generate on this machine" in done.stderr
    assert "CHRONICLE_ANSWER_MODE=extractive" in done.stderr and "CHRONICLE_LLM_BASE_URL" in done.stderr
    assert "rebuild llama-cpp-python" in done.stderr

    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + os.urandom(4096))
    done = run_cli(["-m", "app", "prepare"], {**env, "CHRONICLE_LLM_MODEL_PATH": str(garbage)}, timeout=600)
    assert done.returncode == 1 and "cannot generate" in done.stderr

    missing = run_cli(["-m", "app", "prepare"], {**env, "CHRONICLE_LLM_MODEL_PATH": str(tmp_path / "nope.gguf")})
    assert missing.returncode == 2 and "not found" in missing.stderr


@pytest.fixture()
def llm_chronicle(tmp_path: Path):
    from app.chronicle import Chronicle
    from app.ingest.pipeline import ingest_paths

    settings: Settings = make_settings(tmp_path / "store", llm_timeout_s=20.0)
    assert ingest_paths([SEED], settings).added == 1
    chron = Chronicle(settings)
    yield chron
    from app.answer.llm.client import get_chat_model

    get_chat_model(settings).close()


def _interrupt_mid_answer(chron, question: str, sig: signal.Signals):
    """Stream an answer and send ``sig`` to the model process after the first streamed text."""
    from app.answer.llm.client import get_chat_model

    model = get_chat_model(chron.settings)
    pieces, answer, pid, starts = [], None, None, 0
    for item in chron.stream(question, mode="llm"):
        if isinstance(item, str):
            pieces.append(item)
            if pid is None:
                pid, starts = model.process.pid, model.process.starts
                assert pid is not None
                os.kill(pid, sig)
        else:
            answer = item
    return pieces, answer, pid, model, starts


@pytest.mark.llm
@pytest.mark.timeout(600)
def test_a_killed_model_process_falls_back_and_the_next_question_gets_a_fresh_one(llm_chronicle) -> None:
    pieces, answer, pid, model, starts = _interrupt_mid_answer(llm_chronicle, "What did Russia say?", signal.SIGKILL)
    assert pieces, "nothing was streamed before the kill"
    assert answer is not None and not answer.abstained
    assert any("The model failed" in n and "SIGKILL" in n for n in answer.notes), answer.notes
    assert "[1]" in answer.text and answer.citations  # the extractive answer, verified and cited
    assert "stop fighting" in answer.text

    again = llm_chronicle.ask("What did Turkey say?", mode="llm")
    assert again.notes == [] and not again.abstained, again.notes
    assert "territorial integrity" in again.text and again.citations
    assert model.process.starts == starts + 1 and model.process.pid not in (None, pid)


@pytest.mark.llm
@pytest.mark.timeout(600)
def test_a_hung_model_process_is_stopped_after_the_timeout(llm_chronicle) -> None:
    pieces, answer, pid, model, starts = _interrupt_mid_answer(llm_chronicle, "What did Russia say?", signal.SIGSTOP)
    try:
        assert answer is not None and any("did not respond within 20 s" in n for n in answer.notes), answer.notes
        assert answer.citations and "stop fighting" in answer.text
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    again = llm_chronicle.ask("What did Turkey say?", mode="llm")
    assert again.notes == [] and "territorial integrity" in again.text
    assert model.process.starts == starts + 1
