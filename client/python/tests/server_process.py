"""Starts a real invitegate-server (embedded emulator) as a child process for the e2e tests.

The server listens on 127.0.0.1 port 0 (so tests never collide) and writes the bound address to
its ready file; we wait for that file rather than polling the port, which would race the
sample accounts' sign-in.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time


class ServerProcess:
    def __init__(self, binary: str, timeout: float = 90.0, args=(), env=None):
        self.binary = binary
        self.timeout = timeout
        self.args = list(args)
        self.env = env
        self.dir = tempfile.mkdtemp(prefix="invitegate-py-e2e-")
        self.address = None
        self._proc = None

    def __enter__(self):
        ready = os.path.join(self.dir, "ready.json")
        self._log = open(os.path.join(self.dir, "server.log"), "wb")
        self._proc = subprocess.Popen(
            [self.binary, "--listen=127.0.0.1:0", f"--data-dir={self.dir}/data",
             f"--ready-file={ready}"] + self.args, stdout=self._log, stderr=subprocess.STDOUT,
            env=None if self.env is None else {**os.environ, **self.env})
        deadline = time.monotonic() + self.timeout
        while not os.path.exists(ready):
            if self._proc.poll() is not None:
                raise RuntimeError(f"invitegate-server exited with {self._proc.returncode}:\n"
                                   + self.log())
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("invitegate-server not ready in time:\n" + self.log())
            time.sleep(0.05)
        with open(ready) as f:
            self.address = json.load(f)["address"]
        return self

    def log(self) -> str:
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def __exit__(self, *exc):
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()
        if not exc or exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)
