#!/usr/bin/python3
"""Runs independent MTProto clients (mtcute, gramjs, Telethon) against the Invitegate emulator.

For each selected client: starts the emulator with a fresh state dir, waits for its ready file,
runs the client's driver (auth key, bot sign-in, user sign-in with 2FA, updates.getState,
users.getUsers), then does it again on a fresh emulator started with --rotate-salt-after N, where
the client must recover from bad_server_salt. Prints every step, a per-client summary, and exits
non-zero on any failure.

Usage: /usr/bin/python3 run_interop.py --emulator PATH [--client all|mtcute|gramjs|telethon]
                                       [--rotate-salt-after N] [--no-rotation] [--verbose]
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = ('mtcute', 'gramjs', 'telethon')
READY_TIMEOUT_S = 30
# Each driver runs two scenarios of about seven steps, each with its own step timeout.
DRIVER_TIMEOUT_S = 75
# The emulator rotates the salt every N encrypted messages received on a connection. 8 reaches
# every client at least once mid-run; mtcute sends so few messages that 10 never reaches it, and
# Telethon (one message per ack) can loop on bad_server_salt at 4-5 (see README.md).
DEFAULT_ROTATE_AFTER = 8


def driver_command(client, node):
    if client == 'telethon':
        # This script runs under Debian's Python, which is the one that can import Telethon.
        return [sys.executable, os.path.join(HERE, 'telethon_client.py')]
    script = {'mtcute': 'mtcute_client.mjs', 'gramjs': 'gramjs_client.js'}[client]
    return [node, os.path.join(HERE, script)]


def tl_bytes(data):
    """TL serialization of a `bytes` value (length prefix, padding to 4)."""
    if len(data) < 254:
        out = bytes([len(data)]) + data
    else:
        out = b'\xfe' + len(data).to_bytes(3, 'little') + data
    return out + b'\0' * (-len(out) % 4)


def key_fingerprint(pem):
    """Telegram's RSA key fingerprint: low 64 bits of sha1(bytes n, bytes e), little endian."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    nums = load_pem_public_key(pem.encode()).public_numbers()
    n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, 'big')
    e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, 'big')
    return int.from_bytes(hashlib.sha1(tl_bytes(n) + tl_bytes(e)).digest()[-8:], 'little')


def check_ready_file(ready):
    """Checks what every client relies on in the ready file; returns a list of problems."""
    problems = []
    for field in ('dcs', 'public_key_pem', 'fingerprint', 'fingerprint_signed', 'world'):
        if field not in ready:
            problems.append(f'ready file lacks "{field}"')
    if problems:
        return problems
    if not any(d.get('id') == 2 for d in ready['dcs']):
        problems.append('ready file lists no DC 2 (drivers fall back to the first DC)')
    try:
        fp = key_fingerprint(ready['public_key_pem'])
    except Exception as e:  # a broken PEM is reported, not raised
        return problems + [f'public_key_pem does not load as an RSA key: {e}']
    signed = fp - (1 << 64) if fp >= 1 << 63 else fp
    if int(str(ready['fingerprint']), 16) != fp:
        problems.append(f'"fingerprint" is {ready["fingerprint"]}, the key\'s is {fp:x}')
    if int(ready['fingerprint_signed']) != signed:
        problems.append(f'"fingerprint_signed" is {ready["fingerprint_signed"]}, the key\'s is {signed}')
    if fp < 1 << 60:
        problems.append(f'fingerprint {fp:016x} starts with hex 0: mtcute will not find the key')
    world = ready['world']
    if not world.get('bots'):
        problems.append('world lists no bot')
    if not any(u.get('password') for u in world.get('users', [])):
        problems.append('world lists no user with a 2FA password')
    return problems


class Emulator:
    """One emulator process with its own state dir and ready file, stopped with SIGTERM."""

    def __init__(self, binary, workdir, rotate_after):
        self.binary = binary
        self.workdir = workdir
        self.rotate_after = rotate_after
        self.ready_path = os.path.join(workdir, 'ready.json')
        self.log_path = os.path.join(workdir, 'emulator.log')
        self.proc = None

    def start(self):
        state_dir = os.path.join(self.workdir, 'state')
        os.makedirs(state_dir, exist_ok=True)
        cmd = [self.binary, '--state-dir', state_dir, '--ready-file', self.ready_path]
        if self.rotate_after is not None:
            cmd += ['--rotate-salt-after', str(self.rotate_after)]
        self.log = open(self.log_path, 'wb')
        # Every request and its outcome goes to the log, which is shown when a run fails.
        env = dict(os.environ, INVITEGATE_EMULATOR_VERBOSE='1')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if os.path.exists(self.ready_path):
                with open(self.ready_path) as f:
                    return json.load(f)
            if self.proc.poll() is not None:
                raise RuntimeError(f'emulator exited with {self.proc.returncode} before it was ready')
            time.sleep(0.05)
        raise RuntimeError(f'emulator wrote no ready file within {READY_TIMEOUT_S} s')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()
        return None if self.proc is None else self.proc.returncode


def run_once(args, client, run_name, rotate_after):
    """One emulator + one driver run; returns the list of step records."""
    records = []

    def add(step, ok, detail):
        rec = {'client': client, 'run': run_name, 'step': step, 'ok': ok, 'detail': detail}
        records.append(rec)
        print(f'  [{client}/{run_name}] {"PASS" if ok else "FAIL"} {step}: {detail}', flush=True)

    workdir = tempfile.mkdtemp(prefix=f'interop-{client}-{run_name}-')
    emulator = Emulator(args.emulator, workdir, rotate_after)
    try:
        try:
            ready = emulator.start()
        except Exception as e:
            add('emulator.start', False, str(e))
            return records
        problems = check_ready_file(ready)
        add('emulator.ready_file', not problems, '; '.join(problems) or
            f'DCs {[(d["id"], d["port"]) for d in ready["dcs"]]}, fingerprint {ready["fingerprint"]}')

        cmd = driver_command(client, args.node) + [emulator.ready_path,
                                                   '--step-timeout', str(args.step_timeout)]
        if rotate_after is not None:
            cmd.append('--expect-salt-rotation')
        env = dict(os.environ)
        if args.verbose:
            env['INTEROP_VERBOSE'] = '1'
        driver_log = os.path.join(workdir, 'driver.stderr')
        with open(driver_log, 'wb') as err:
            try:
                proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                      cwd=HERE, env=env, timeout=DRIVER_TIMEOUT_S)
                out, rc = proc.stdout, proc.returncode
            except subprocess.TimeoutExpired as e:
                out, rc = e.stdout or b'', None
        for line in out.decode(errors='replace').splitlines():
            try:
                rec = json.loads(line)
                add(rec['step'], bool(rec['ok']), rec.get('detail', ''))
            except (ValueError, KeyError):
                print(f'  [{client}/{run_name}] stdout: {line}')
        if rc is None:
            add('driver', False, f'killed after {DRIVER_TIMEOUT_S} s')
        elif rc != 0 and all(r['ok'] for r in records):
            add('driver', False, f'exited {rc} without reporting a failed step')
        elif not any(r['step'].endswith('get_users') for r in records):
            add('driver', False, 'reported no get_users step')
    finally:
        rc = emulator.stop()
        if rc not in (0, -signal.SIGTERM, None):
            add('emulator.exit', False, f'emulator exited with {rc} on SIGTERM')
        failed = not all(r['ok'] for r in records)
        if failed or args.verbose:
            for name, path in (('emulator log', emulator.log_path),
                               ('driver stderr', os.path.join(workdir, 'driver.stderr'))):
                try:
                    with open(path, errors='replace') as f:
                        tail = f.readlines()[-args.log_lines:] if args.log_lines > 0 else []
                except OSError:
                    continue
                if tail:
                    print(f'  --- {client}/{run_name} {name} (last {len(tail)} lines, {path}) ---')
                    print(''.join('  | ' + line for line in tail), end='')
        if args.keep or failed:
            print(f'  [{client}/{run_name}] files kept in {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return records


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--emulator', required=True, help='path to the invitegate-emulator binary')
    p.add_argument('--client', choices=CLIENTS + ('all',), default='all')
    p.add_argument('--rotate-salt-after', type=int, default=DEFAULT_ROTATE_AFTER,
                   help='N for the salt-rotation run (default %(default)s)')
    p.add_argument('--no-rotation', action='store_true', help='skip the salt-rotation run')
    p.add_argument('--step-timeout', type=float, default=20, help='seconds per driver step')
    p.add_argument('--node', default=shutil.which('node') or 'node', help='Node.js binary')
    p.add_argument('--keep', action='store_true', help='keep temp dirs (kept anyway on failure)')
    p.add_argument('--log-lines', type=int, default=60, help='log lines shown on failure')
    p.add_argument('--report', help='also write every step record as JSON to this file')
    p.add_argument('--verbose', action='store_true', help='library debug logs, always shown')
    return p.parse_args()


def main():
    args = parse_args()
    if not os.access(args.emulator, os.X_OK):
        sys.exit(f'run_interop: emulator binary {args.emulator} is not executable')
    clients = CLIENTS if args.client == 'all' else (args.client,)
    if any(c != 'telethon' for c in clients) and not os.path.isdir(os.path.join(HERE, 'node_modules')):
        sys.exit('run_interop: tests/interop/node_modules is missing: run scripts/install-interop.sh')

    runs = [('normal', None)]
    if not args.no_rotation:
        runs.append(('salt-rotation', args.rotate_salt_after))

    all_records = []
    for client in clients:
        for run_name, rotate_after in runs:
            print(f'== {client}: {run_name} run' +
                  (f' (--rotate-salt-after {rotate_after})' if rotate_after is not None else ''), flush=True)
            all_records += run_once(args, client, run_name, rotate_after)

    print('\n== interop summary')
    for client in clients:
        parts = []
        for run_name, _ in runs:
            recs = [r for r in all_records if r['client'] == client and r['run'] == run_name]
            bad = [r['step'] for r in recs if not r['ok']]
            passed = len(recs) - len(bad)
            parts.append(f'{run_name}: {passed}/{len(recs)} steps passed' +
                         (f' (failed: {", ".join(bad)})' if bad else ''))
        print(f'  {client:9s} ' + '; '.join(parts))
    if args.report:
        with open(args.report, 'w') as f:
            json.dump(all_records, f, indent=1)
    sys.exit(0 if all(r['ok'] for r in all_records) else 1)


if __name__ == '__main__':
    main()
