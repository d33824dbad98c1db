#!/usr/bin/python3
"""The seed's approval-gated flow with mtcute as the joining users and our engine as the admin.

For each admin (Alice, a user admin signed in by phone + code; then the bot 2000001 by token),
on a fresh emulator: the admin (interop_engine_admin) creates a request-needed link to
@invitegate_group; three joiners (mtcute_joiner.mjs, one mtcute client each) preview it and ask
to join (INVITE_REQUEST_SENT); the admin waits for their requests on the engine's join-event
stream, lists the pending requests, approves each and checks the outcome; each joiner then checks
that it is a member. Prints every step of both sides, a summary, and exits non-zero on a failure.

Usage: /usr/bin/python3 run_join_interop.py --emulator PATH --admin PATH
                                            [--admin-kind all|user|bot] [--verbose] [--keep]
"""
import argparse
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from run_interop import HERE, Emulator, check_ready_file

CHAT = '@invitegate_group'  # the sample world's public supergroup 4000001
# The joiners per admin kind: distinct accounts, so that logs name each once. The bot's are the
# world's joiners without a username: it must approve them by id, with the access hash of the
# updateBotChatInviteRequester that told it of them.
JOINER_PHONES = {
    'user': ('9996641001', '9996641002', '9996641003'),  # Dave, Erin, Frank
    'bot': ('9996641004', '9996641005', '9996641006'),   # Grace, Heidi, Ivan
}
RUN_TIMEOUT_S = 100  # one admin kind, end to end


class LineProcess:
    """A child whose stdout lines (JSON or not) arrive on a queue; stderr goes to a file."""

    def __init__(self, cmd, stderr_path, env):
        self.stderr = open(stderr_path, 'wb')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=HERE, env=env)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode(errors='replace').rstrip('\n'))
        self.lines.put(None)  # EOF

    def send(self, line):
        try:
            self.proc.stdin.write((line + '\n').encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def next_line(self, deadline):
        """The next stdout line, None at EOF, or TimeoutError."""
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None

    def stop(self, timeout=10):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
        return self.proc.returncode


class Run:
    """One admin kind on one fresh emulator; collects step records."""

    def __init__(self, args, kind):
        self.args = args
        self.kind = kind
        self.records = []
        self.deadline = time.monotonic() + RUN_TIMEOUT_S
        self.joiners = len(JOINER_PHONES[kind])

    def add(self, side, step, ok, detail):
        self.records.append({'run': self.kind, 'side': side, 'step': step, 'ok': ok,
                             'detail': detail})
        print(f'  [{self.kind}/{side}] {"PASS" if ok else "FAIL"} {step}: {detail}', flush=True)

    def read_until(self, proc, side, want, deadline=None):
        """Reads `proc`'s lines, recording steps, until `want(rec)` (returns that record) or
        EOF (returns None; a failure unless `want` is None, which means: read to the end)."""
        if deadline is None:
            deadline = time.monotonic() + self.args.step_timeout + 15
        deadline = min(self.deadline, deadline)
        while True:
            try:
                line = proc.next_line(deadline)
            except TimeoutError:
                self.add(side, 'driver', False, 'no answer in time')
                return None
            if line is None:
                if want is not None:
                    self.add(side, 'driver', False, f'exited ({proc.proc.wait()}) before answering')
                return None
            try:
                rec = json.loads(line)
            except ValueError:
                print(f'  [{self.kind}/{side}] stdout: {line}')
                continue
            if 'event' in rec:
                if self.args.verbose:
                    print(f'  [{self.kind}/{side}] event {json.dumps(rec["event"])}')
            elif 'step' in rec:
                self.add(side, rec['step'], bool(rec['ok']), rec.get('detail', ''))
            if want is not None and want(rec):
                return rec

    def admin_step(self, admin, command):
        """Sends one command; returns its record (None or a failed one: the run stops)."""
        name = 'admin.' + command.split()[0]
        admin.send(command)
        rec = self.read_until(admin, 'engine', lambda r: r.get('step') == name)
        return rec if rec and rec['ok'] else None

    def execute(self, emulator, workdir):
        ready = emulator.start()
        problems = check_ready_file(ready)
        self.add('emulator', 'ready_file', not problems, '; '.join(problems) or 'ok')
        world = ready['world']
        chat = next(c for c in world['chats'] if c.get('username') == CHAT.lstrip('@'))
        env = dict(os.environ)
        if self.args.verbose:
            env['INTEROP_VERBOSE'] = '1'

        cmd = [self.args.admin, emulator.ready_path, '--store', os.path.join(workdir, 'admin.db'),
               '--step-timeout', str(int(self.args.step_timeout))]
        if self.kind == 'user':
            alice = next(u for u in world['users'] if u['id'] == chat['creator'])
            cmd += ['--phone', alice['phone'], '--code', alice['login_code']]
        else:
            bot_ids = {a['user'] for a in chat['admins'] if 'invite_users' in a['rights']}
            bot = next(b for b in world['bots'] if b['id'] in bot_ids)
            cmd += ['--bot-token', bot['token']]
        admin = LineProcess(cmd, os.path.join(workdir, 'admin.stderr'), env)
        joiner = None
        try:
            signed_in = self.read_until(admin, 'engine', lambda r: r.get('step') == 'admin.sign_in')
            if not signed_in or not signed_in['ok']:
                return
            created = self.admin_step(admin, f'create_link {CHAT}')
            if not created:
                return
            link = created['link']

            joiner = LineProcess(
                [self.args.node, os.path.join(HERE, 'mtcute_joiner.mjs'), emulator.ready_path,
                 '--link', link, '--phones', ','.join(JOINER_PHONES[self.kind]),
                 '--channel-id', str(chat['id']), '--step-timeout', str(int(self.args.step_timeout))],
                os.path.join(workdir, 'joiner.stderr'), env)
            # Each joiner signs in (a key exchange of its own) and makes three steps.
            requested = self.read_until(
                joiner, 'mtcute', lambda r: r.get('phase') == 'requested',
                time.monotonic() + self.joiners * (self.args.step_timeout + 5))
            if not requested:
                return
            n = self.joiners
            for command in (f'wait_requests {CHAT} {n}', f'list_pending {CHAT} {n}',
                            f'approve_each {CHAT}', f'verify {CHAT} {link} {n}'):
                if not self.admin_step(admin, command):
                    return
            joiner.send('approved')
            self.read_until(joiner, 'mtcute', None,  # to EOF: every check is a step
                            time.monotonic() + self.joiners * (self.args.step_timeout + 5))
        finally:
            admin.send('quit')
            for side, proc in (('engine', admin), ('mtcute', joiner)):
                if proc is None:
                    continue
                rc = proc.stop()
                if rc != 0 and all(r['ok'] for r in self.records):
                    self.add(side, 'driver', False, f'exited {rc} without reporting a failed step')

    def run(self):
        workdir = tempfile.mkdtemp(prefix=f'interop-join-{self.kind}-')
        emulator = Emulator(self.args.emulator, workdir, None)
        try:
            self.execute(emulator, workdir)
        except Exception as e:  # reported as a failed step, never a traceback
            self.add('runner', 'error', False, f'{type(e).__name__}: {e}')
        finally:
            rc = emulator.stop()
            if rc not in (0, -signal.SIGTERM, None):
                self.add('emulator', 'exit', False, f'emulator exited with {rc} on SIGTERM')
            # A flow that stopped early without a failed step must not pass.
            steps = [r['step'] for r in self.records]
            done = 'admin.verify' in steps and \
                sum(s.endswith('.join_again') for s in steps) == self.joiners
            if not done and all(r['ok'] for r in self.records):
                self.add('runner', 'incomplete', False, 'the flow ended before every check ran')
            failed = not all(r['ok'] for r in self.records)
            if failed or self.args.verbose:
                for name in ('emulator.log', 'admin.stderr', 'joiner.stderr'):
                    path = os.path.join(workdir, name)
                    try:
                        with open(path, errors='replace') as f:
                            tail = f.readlines()[-self.args.log_lines:]
                    except OSError:
                        continue
                    if tail:
                        print(f'  --- {self.kind} {name} (last {len(tail)} lines, {path}) ---')
                        print(''.join('  | ' + line for line in tail), end='')
            if self.args.keep or failed:
                print(f'  [{self.kind}] files kept in {workdir}')
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        return self.records


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--emulator', required=True, help='path to the invitegate-emulator binary')
    p.add_argument('--admin', required=True, help='path to the interop_engine_admin binary')
    p.add_argument('--admin-kind', choices=('all', 'user', 'bot'), default='all')
    p.add_argument('--node', default=shutil.which('node') or 'node', help='Node.js binary')
    p.add_argument('--step-timeout', type=float, default=20, help='seconds per step')
    p.add_argument('--keep', action='store_true', help='keep temp dirs (kept anyway on failure)')
    p.add_argument('--log-lines', type=int, default=60, help='log lines shown on failure')
    p.add_argument('--verbose', action='store_true', help='library debug logs and join events')
    return p.parse_args()


def main():
    args = parse_args()
    for path in (args.emulator, args.admin):
        if not os.access(path, os.X_OK):
            sys.exit(f'run_join_interop: {path} is not executable')
    if not os.path.isdir(os.path.join(HERE, 'node_modules')):
        sys.exit('run_join_interop: tests/interop/node_modules is missing: run scripts/install-interop.sh')
    kinds = ('user', 'bot') if args.admin_kind == 'all' else (args.admin_kind,)
    records = []
    for kind in kinds:
        print(f'== approval-gated flow: engine admin = {kind}, joiners = mtcute', flush=True)
        records += Run(args, kind).run()
    print('\n== join interop summary')
    for kind in kinds:
        recs = [r for r in records if r['run'] == kind]
        bad = [f'{r["side"]}:{r["step"]}' for r in recs if not r['ok']]
        print(f'  {kind:5s} {len(recs) - len(bad)}/{len(recs)} steps passed' +
              (f' (failed: {", ".join(bad)})' if bad else ''))
    sys.exit(0 if all(r['ok'] for r in records) else 1)


if __name__ == '__main__':
    main()
