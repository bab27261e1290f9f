"""The embedded model's own process: llama-cpp-python's OpenAI-compatible server for one GGUF, on 127.0.0.1.

    python -m app.answer.llm.server --model FILE --port P [--n-ctx N] [--threads T] [--parent-pid PID]
    python -m app.answer.llm.server --model FILE --probe     # load, generate one token, print JSON, exit 0

Why a process: llama.cpp is native code. A build whose CPU kernels do not fit the machine (AMX on an Intel Xeon VM
crashed with SIGSEGV on the first decode), a hang, or the kernel's out-of-memory killer took the whole web server
down with it when the model ran in-process. Here it can only take itself down; app.answer.llm.process supervises it and
Chronicle falls back to the extractive answer. The server is llama-cpp-python's own (the same one users run with
``python -m llama_cpp.server``), so Chronicle speaks one protocol, OpenAI-compatible HTTP, to the embedded model
and to a user's Ollama / vLLM / llama.cpp server.

Settings that matter: ``rope_freq_base=0`` (keep the GGUF's own value; 10000 broke Qwen's citations), ``n_batch=512``
with ``n_ubatch=256`` (llama.cpp's compute buffers scale with the micro-batch: model RSS 1,991 -> 1,959 MB after the
seed questions, first token p50 0.90 -> 0.84 s, prefix prefill 18.6 -> 18.1 s; 128 saved 20 MB more for a slower p95,
2.70 -> 2.90 s), ``logits_all=False`` (the server's default, True, computes and keeps the whole vocabulary's logits
for every prompt token, which Chronicle never reads: on the bundled article, model RSS 3,515 -> 1,982 MB and first
token p50 1.17 -> 1.01 s, same answers), ``interrupt_requests=False`` (the server's default cancels a streaming answer
when a second request arrives: two chat users would cut each other off), an API key from the environment (not the
command line, which ``ps`` shows), and the parent's pid: the server exits when Chronicle is gone, even after
``kill -9``.
This module imports nothing of Chronicle's beyond the offline switch: the child starts fast and small.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

KEY_ENV = "CHRONICLE_LLM_SERVER_KEY"
MODEL_ALIAS = "chronicle-embedded"


def _exit_with_parent(parent_pid: int) -> None:
    """Leave when the parent process is gone (re-parented to init or a subreaper)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def probe(model: str, threads: int) -> int:
    """Load the model and decode one token: what crashes on a CPU the build does not fit crashes here first."""
    import llama_cpp

    t0 = time.perf_counter()
    try:
        llm = llama_cpp.Llama(model_path=model, n_ctx=256, n_batch=64, n_threads=threads, rope_freq_base=0,
                              seed=0, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:
        print(json.dumps({"ok": False, "error": f"cannot load the model: {exc}"}))
        return 3
    out = llm.create_completion("The capital of France is", max_tokens=1, temperature=0.0)
    print(json.dumps({
        "ok": True,
        "seconds": round(time.perf_counter() - t0, 2),
        # Ignored: without stream=True this is one response, but llama-cpp-python types it as either.
        "token": out["choices"][0]["text"],  # type: ignore[index]
        "system_info": llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip(),
    }))
    return 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    server = ServerSettings(host="127.0.0.1", port=args.port, api_key=os.environ.get(KEY_ENV) or None,
                            interrupt_requests=False)
    model = ModelSettings(
        model=args.model,
        model_alias=MODEL_ALIAS,
        n_ctx=args.n_ctx,
        n_batch=512,
        n_ubatch=256,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        rope_freq_base=0.0,
        seed=0,
        n_gpu_layers=0,
        logits_all=False,
        verbose=False,
    )
    app = create_app(server_settings=server, model_settings=[model])  # loads the model (~1 s, 1.9 GB)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.answer.llm.server", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--probe", action="store_true", help="generate one token and exit")
    args = parser.parse_args(argv)
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    if args.probe:
        return probe(args.model, args.threads)
    if not args.port:
        parser.error("--port is required to serve")
    return serve(args)


if __name__ == "__main__":
    from app.offline import enforce_offline

    enforce_offline()
    sys.exit(main())
