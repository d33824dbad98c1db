#!/usr/bin/python3
"""Runs the five-minute tour of README.md, so the README stays true: every fenced block whose info
string is `<language> tour` runs, in order of appearance, each against a fresh invitegate-server
(embedded emulator, loopback, port 0) started from the build — `sh` blocks in bash with the
build's CLI, `python` with Debian's Python and the generated stubs, `js` with Node from the
repository root, `go` in the Go client's GOPATH. A block fails the test when it exits non-zero.

Usage: run_tour.py <repo root> <build dir> <invitegate-server>"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT, BUILD, SERVER = (os.path.abspath(a) for a in sys.argv[1:4])


def tour_blocks():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    return re.findall(r"^```(\w+) tour\n(.*?)^```", text, re.M | re.S)


class Server:
    """invitegate-server on the embedded emulator, in its own state directory."""

    def __init__(self, workdir):
        self.dir = workdir
        ready = os.path.join(workdir, "ready.json")
        self.log = open(os.path.join(workdir, "server.log"), "w")
        self.proc = subprocess.Popen(
            [SERVER, "--listen=127.0.0.1:0", f"--data-dir={workdir}/data", f"--ready-file={ready}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("invitegate-server did not start:\n" + self.output())
            time.sleep(0.05)
        with open(ready) as f:
            self.address = json.load(f)["address"]

    def output(self):
        with open(os.path.join(self.dir, "server.log")) as f:
            return f.read()[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def command_for(language, code, workdir):
    """The command running `code`, and the environment additions it needs."""
    env = {"PATH": os.path.join(BUILD, "client", "cpp") + ":" + os.environ["PATH"]}
    if language == "sh":
        return ["bash", "-euo", "pipefail", "-c", code], env
    if language == "python":
        env["PYTHONPATH"] = os.path.join(BUILD, "client", "python", "stubs") + ":" + \
            os.path.join(ROOT, "client", "python")
        return ["/usr/bin/python3", "-c", "import os\nADDRESS = os.environ['ADDRESS']\n" + code], env
    if language == "js":
        return ["node", "-e", code], env
    if language == "go":
        work = os.path.join(BUILD, "client", "go")
        subprocess.run([os.path.join(ROOT, "client", "go", "run_tests.sh"), work, "--build-only"],
                       check=True, stdout=subprocess.DEVNULL)
        src = os.path.join(work, "gopath", "src", "invitegate.dev", "readme_tour")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "main.go"), "w") as f:
            f.write(code)
        env.update(GOPATH=f"{work}/gopath:/usr/share/gocode", GO111MODULE="off", GOPROXY="off",
                   GOFLAGS="", GOCACHE=os.path.join(work, "gocache"))
        return ["go", "run", "invitegate.dev/readme_tour"], env
    raise ValueError(f"README.md: no runner for `{language} tour` blocks")


def main():
    blocks = tour_blocks()
    if not blocks:
        print("README.md has no tour blocks")
        return 1
    failures = 0
    for i, (language, code) in enumerate(blocks, 1):
        with tempfile.TemporaryDirectory() as workdir:
            server = Server(workdir)
            try:
                cmd, extra = command_for(language, code, workdir)
                env = dict(os.environ, **extra, ADDRESS=server.address,
                           INVITEGATE_SERVER=server.address)
                started = time.monotonic()
                run = subprocess.run(cmd, env=env, cwd=ROOT if language != "sh" else workdir,
                                     capture_output=True, text=True, timeout=180)
                took = time.monotonic() - started
                print(f"--- tour block {i} ({language}): exit {run.returncode} in {took:.1f} s")
                print(run.stdout)
                if run.returncode != 0:
                    failures += 1
                    print(run.stderr)
                    print("--- server log (tail):\n" + server.output())
            finally:
                server.stop()
    print(f"run_tour: {len(blocks)} blocks, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
