"""Supervise the embedded model's process (app.answer.llm.server): start on demand, notice death, restart on next use.

The child is llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with a random port and a random API key.
Chronicle never waits on a dead child: ``ensure()`` starts one when none is alive (load ~1-2 s), ``failure()`` turns
an error seen mid-answer into a message that says what happened to the process (killed by SIGKILL, crashed with
SIGSEGV, hung past the timeout and was stopped), and the next ``ensure()`` starts a fresh one. The child exits by
itself when this process dies (it watches its parent), and ``stop()`` runs at interpreter exit.

Rejected: a multiprocessing worker with a pipe protocol of our own. The llama-cpp-python server is already the
protocol users run against Ollama / vLLM, so the embedded and the remote model share one client (langchain-openai).
"""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import PROJECT_ROOT

_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")


class ModelStartError(RuntimeError):
    """The model process could not be started or did not become ready; the message carries its last output."""


def describe_exit(code: int | None) -> str:
    """'crashed with SIGSEGV (segmentation fault)', 'was killed by SIGKILL', 'exited with code 3'."""
    if code is None:
        return "is running"
    if code < 0:
        try:
            sig = signal.Signals(-code)
        except ValueError:
            return f"was ended by signal {-code}"
        if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            extra = " (out of memory, or stopped by hand)" if sig == signal.SIGKILL else ""
            return f"was killed by {sig.name}{extra}"
        return f"crashed with {sig.name} ({signal.strsignal(sig) or sig.name})"
    return f"exited with code {code}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """A small, explicit environment: llama-cpp-python's server settings read any matching variable (PORT,
    MODEL, N_CTX ...) from the environment, so the parent's environment is not passed on wholesale."""
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1", **extra)
    return env


@dataclass(frozen=True)
class ModelProcessConfig:
    """What the child needs; derived from Settings by app.answer.llm.client."""

    model_path: Path
    n_ctx: int
    threads: int
    start_timeout_s: float = 180.0


class ModelProcess:
    """One supervised llama-cpp-python server child. Thread-safe; one per configuration and process."""

    def __init__(self, config: ModelProcessConfig) -> None:
        self.config = config
        self.api_key = secrets.token_urlsafe(24)
        self._proc: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._log_path: Path | None = None
        self._lock = threading.Lock()
        self.starts = 0
        self.last_exit: str = ""
        atexit.register(self.stop)

    # --- state ----------------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, chars: int = 1500) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")[-chars:].strip()

    # --- lifecycle ------------------------------------------------------------------------------------------

    def ensure(self) -> str:
        """The base URL of a live, ready model process, starting one if needed."""
        with self._lock:
            if self.alive():
                return self.base_url
            if self._proc is not None:
                self.last_exit = describe_exit(self._proc.returncode)
            self._start()
            return self.base_url

    def _start(self) -> None:
        if not self.config.model_path.exists():
            raise ModelStartError(f"GGUF model file not found: {self.config.model_path}")
        self._port = free_port()
        fd, name = tempfile.mkstemp(prefix="chronicle-llm-", suffix=".log")
        self._log_path = Path(name)
        cmd = [
            sys.executable, "-m", "app.answer.llm.server",
            "--model", str(self.config.model_path),
            "--port", str(self._port),
            "--n-ctx", str(self.config.n_ctx),
            "--threads", str(self.config.threads),
            "--parent-pid", str(os.getpid()),
        ]
        with os.fdopen(fd, "wb") as log:
            self._proc = subprocess.Popen(
                cmd, cwd=PROJECT_ROOT, env=child_env(CHRONICLE_LLM_SERVER_KEY=self.api_key), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.starts += 1
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.config.start_timeout_s
        headers = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(timeout=2.0, trust_env=False) as http:
            while True:
                code = self._proc.poll()
                if code is not None:
                    raise ModelStartError(
                        f"the model process {describe_exit(code)} while loading {self.config.model_path.name}"
                        + (f":\n{self.log_tail()}" if self.log_tail() else "")
                    )
                try:
                    if http.get(f"{self.base_url}/models", headers=headers).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self._kill()
                    raise ModelStartError(f"the model process was not ready after {self.config.start_timeout_s:.0f} s")
                time.sleep(0.1)

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def kill(self) -> None:
        """Stop a hung child now; the next ``ensure()`` starts a fresh one."""
        with self._lock:
            self._kill()

    def stop(self) -> None:
        """Terminate the child (at exit, or when the configuration is dropped)."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def exit_status(self, wait_s: float = 0.0) -> str:
        """How the last child ended, for messages: 'crashed with SIGSEGV ...', or '' while it runs. ``wait_s``: a
        connection that just broke may come a moment before the kernel has reaped the dying child."""
        if self._proc is None:
            return ""
        try:
            code = self._proc.wait(timeout=wait_s) if wait_s > 0 else self._proc.poll()
        except subprocess.TimeoutExpired:
            code = None
        return "" if code is None else describe_exit(code)


@dataclass(frozen=True)
class ProbeResult:
    """What a one-token generation in a child process did."""

    ok: bool
    status: str  # "generated one token", "crashed with SIGSEGV (...)", "hung for 300 s", "exited with code 3"
    detail: str  # the child's JSON line or the tail of its output
    seconds: float


def probe(model_path: Path, threads: int, timeout_s: float = 300.0) -> ProbeResult:
    """Load the GGUF and generate one token in a child process: a build that crashes on this CPU is found here."""
    cmd = [sys.executable, "-m", "app.answer.llm.server", "--model", str(model_path), "--probe",
           "--threads", str(threads)]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=PROJECT_ROOT, env=child_env(), capture_output=True, text=True,
                              timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stdout or b"")[-800:] if isinstance(exc.stdout, bytes) else (exc.stdout or "")[-800:]
        return ProbeResult(False, f"hung for {timeout_s:.0f} s and was stopped", str(tail), timeout_s)
    seconds = time.perf_counter() - t0
    if done.returncode == 0:
        return ProbeResult(True, "generated one token", done.stdout.strip()[-2000:], seconds)
    detail = (done.stdout + "\n" + done.stderr).strip()[-1500:]
    return ProbeResult(False, describe_exit(done.returncode), detail, seconds)
