#!/usr/bin/python3
"""Drives the Invitegate emulator with Telethon (Debian python3-telethon 1.25, TL layer 144).

Usage: /usr/bin/python3 telethon_client.py READY_FILE [--scenario all|bot|user] [--dc N]
                                           [--step-timeout SECONDS] [--expect-salt-rotation]

Prints one JSON line per step on stdout ({"client","step","ok","detail"}); library logs go to
stderr. Exits 1 if any step failed. The two scenarios use separate clients with fresh
MemorySessions, so each creates its own auth key. Must run under Debian's /usr/bin/python3:
the pyenv python3 on PATH cannot import Debian's packages.
"""
import argparse
import asyncio
import json
import logging
import os
import sys
import time
import traceback

from telethon import TelegramClient, errors, functions, types
from telethon.crypto import rsa
from telethon.network import ConnectionTcpFull
from telethon.network.mtprotosender import MTProtoSender
from telethon.sessions import MemorySession

API_ID = 12345
API_HASH = '0123456789abcdef0123456789abcdef'
CLIENT = 'telethon'


class Reporter:
    """Runs steps with a timeout each and prints one JSON line per step.

    Once a step of a scenario fails, the rest of that scenario is reported as skipped rather
    than run against a client in an unknown state.
    """

    def __init__(self, step_timeout):
        self.step_timeout = step_timeout
        self.failed = False
        self.blocked_by = None

    def record(self, step, ok, detail):
        if not ok:
            self.failed = True
        print(json.dumps({'client': CLIENT, 'step': step, 'ok': ok, 'detail': detail}), flush=True)

    async def step(self, name, coro_fn):
        if self.blocked_by:
            self.record(name, False, f'skipped: {self.blocked_by} failed')
            return
        started = time.monotonic()
        try:
            detail = await asyncio.wait_for(coro_fn(), self.step_timeout)
            ms = int((time.monotonic() - started) * 1000)
            self.record(name, True, f'{detail or ""} [{ms} ms]'.strip())
        except Exception as e:  # every failure is a reported step, never a crash
            ms = int((time.monotonic() - started) * 1000)
            self.blocked_by = name
            self.record(name, False, f'{describe(e)} [{ms} ms]')
            traceback.print_exc(file=sys.stderr)

    async def cleanup(self, client):
        self.blocked_by = None
        try:
            await asyncio.wait_for(client.disconnect(), 5)
        except Exception as e:
            print(f'[telethon] cleanup: {describe(e)}', file=sys.stderr)


def describe(e):
    if isinstance(e, asyncio.TimeoutError):
        return 'timed out'
    if isinstance(e, errors.RPCError):
        return f'RPC error {e.code} {e.message}'
    return f'{type(e).__name__}: {e}'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('ready_file')
    p.add_argument('--scenario', choices=['all', 'bot', 'user'], default='all')
    p.add_argument('--dc', type=int)
    p.add_argument('--step-timeout', type=float, default=20)
    p.add_argument('--expect-salt-rotation', action='store_true')
    return p.parse_args()


class Driver:
    def __init__(self, args, ready):
        self.args = args
        self.ready = ready
        self.report = Reporter(args.step_timeout)
        self.bad_server_salts = 0
        self.salt_rotations = 0

    def pick_dc(self):
        dcs = self.ready['dcs']
        want = self.args.dc if self.args.dc is not None else 2
        dc = next((d for d in dcs if d['id'] == want), None)
        if dc is None and self.args.dc is None:
            dc = dcs[0]
        if dc is None:
            raise ValueError(f'no DC {want} in the ready file')
        return dc

    def make_client(self):
        dc = self.pick_dc()
        session = MemorySession()
        session.set_dc(dc['id'], dc['host'], dc['port'])
        return TelegramClient(session, API_ID, API_HASH, connection=ConnectionTcpFull,
                              connection_retries=1, retry_delay=0, auto_reconnect=False,
                              timeout=self.args.step_timeout)

    async def connect(self, client):
        # Creates the auth key, then invokeWithLayer(144, initConnection(help.getConfig)) and
        # users.getUsers([inputUserSelf]), which must fail with AUTH_KEY_UNREGISTERED.
        await client.connect()
        if not client.is_connected():
            raise RuntimeError('connect() returned without a connection')
        dc = self.pick_dc()
        return f'auth key created and initConnection answered on DC {dc["id"]} ({dc["host"]}:{dc["port"]})'

    async def common_calls(self, client, prefix, expect_bot):
        async def get_state():
            st = await client(functions.updates.GetStateRequest())
            if not isinstance(st, types.updates.State):
                raise RuntimeError(f'expected updates.state, got {type(st).__name__}')
            return f'pts={st.pts} qts={st.qts} seq={st.seq} date={st.date.isoformat()}'

        async def get_users():
            users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
            if len(users) != 1 or not isinstance(users[0], types.User):
                raise RuntimeError(f'expected one user, got {[type(u).__name__ for u in users]}')
            u = users[0]
            if not u.is_self:
                raise RuntimeError('user.self flag not set for inputUserSelf')
            if bool(u.bot) != expect_bot:
                raise RuntimeError(f'user.bot={bool(u.bot)}, expected {expect_bot}')
            return f'id={u.id} bot={bool(u.bot)} phone={u.phone or ""}'

        await self.report.step(f'{prefix}.get_state', get_state)
        await self.report.step(f'{prefix}.get_users', get_users)

    async def bot_scenario(self):
        bots = self.ready.get('world', {}).get('bots', [])
        client = self.make_client()
        try:
            await self.report.step('bot.auth_key', lambda: self.connect(client))

            async def sign_in():
                if not bots:
                    raise RuntimeError('the ready file lists no bot')
                # users.getUsers(self) (401 expected), auth.importBotAuthorization, updates.getState.
                me = await client.sign_in(bot_token=bots[0]['token'])
                return f'signed in as bot id={me.id} username={me.username or ""}'

            await self.report.step('bot.sign_in', sign_in)
            await self.common_calls(client, 'bot', True)
        finally:
            await self.report.cleanup(client)

    async def user_scenario(self):
        user = next((u for u in self.ready.get('world', {}).get('users', []) if u.get('password')), None)
        client = self.make_client()
        try:
            await self.report.step('user.auth_key', lambda: self.connect(client))

            async def send_code():
                if user is None:
                    raise RuntimeError('the ready file lists no user with a 2FA password')
                sent = await client.send_code_request(user['phone'])
                return f'code sent via {type(sent.type).__name__}'

            async def sign_in():
                # Test numbers 99966XYYYY take the code XXXXX.
                code = user['phone'][5] * 5
                try:
                    await client.sign_in(user['phone'], code)
                except errors.SessionPasswordNeededError:
                    return 'SESSION_PASSWORD_NEEDED as expected'
                raise RuntimeError('signed in without the 2FA password (expected SESSION_PASSWORD_NEEDED)')

            async def check_password():
                # account.getPassword + Telethon's own SRP (compute_check) + auth.checkPassword.
                me = await client.sign_in(password=user['password'])
                return f'signed in as user id={me.id}'

            await self.report.step('user.send_code', send_code)
            await self.report.step('user.sign_in', sign_in)
            await self.report.step('user.check_password', check_password)
            await self.common_calls(client, 'user', False)
        finally:
            await self.report.cleanup(client)

    async def run(self):
        if self.args.scenario in ('all', 'bot'):
            await self.bot_scenario()
        if self.args.scenario in ('all', 'user'):
            await self.user_scenario()
        if self.args.expect_salt_rotation:
            n, r = self.bad_server_salts, self.salt_rotations
            self.report.record('salt_rotation', r > 0,
                               f'{r} salt rotation(s) seen among {n} bad_server_salt message(s)' +
                               ('; recovered' if r else ': the rotation did not reach this client'))


def main():
    args = parse_args()
    logging.basicConfig(stream=sys.stderr, format='[telethon %(levelname)s %(name)s] %(message)s',
                        level=logging.DEBUG if os.environ.get('INTEROP_VERBOSE') == '1' else logging.WARNING)
    with open(args.ready_file) as f:
        ready = json.load(f)

    # Only the emulator's key: Telethon's built-in Telegram keys are dropped.
    rsa._server_keys.clear()
    rsa.add_key(ready['public_key_pem'], old=False)

    driver = Driver(args, ready)

    # Observes bad_server_salt handling; the sender binds its handler table in __init__, so the
    # class attribute is wrapped before any client exists. The original handler does the work.
    # Telethon starts every session with salt 0, so its first bad_server_salt only hands out the
    # salt; a rotation is a bad_server_salt that replaces a real salt with another one.
    original = MTProtoSender._handle_bad_server_salt

    async def counting_handler(sender, message):
        driver.bad_server_salts += 1
        if sender._state.salt != 0 and sender._state.salt != message.obj.new_server_salt:
            driver.salt_rotations += 1
        return await original(sender, message)

    MTProtoSender._handle_bad_server_salt = counting_handler

    try:
        asyncio.run(driver.run())
    except Exception:
        driver.report.record('driver', False, traceback.format_exc())
    sys.exit(1 if driver.report.failed else 0)


if __name__ == '__main__':
    main()
