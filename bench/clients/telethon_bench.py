#!/usr/bin/python3
"""The Telethon side of engine_bench: signs a bot in against the emulator named by a ready file
and makes the same calls as the engine (updates.getState) with K calls kept in flight.

Usage: /usr/bin/python3 telethon_bench.py READY_FILE [--inflight K[,K...]] [--calls N]

Prints one JSON line per K on stdout: {"inflight","calls","errors","seconds","cpu_seconds",
"p50_ms","p99_ms"} (cpu_seconds is this process's CPU time over the timed part). Must run under
Debian's /usr/bin/python3 (python3-telethon).
"""
import argparse
import asyncio
import json
import logging
import sys
import time

from telethon import TelegramClient, functions
from telethon.crypto import rsa
from telethon.network import ConnectionTcpFull
from telethon.sessions import MemorySession

API_ID = 12345
API_HASH = '0123456789abcdef0123456789abcdef'


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


async def measure(client, inflight, calls):
    """K workers, each making its next call when its previous one is answered, until N are made."""
    latencies = []
    state = {'started': 0, 'errors': 0}

    async def worker():
        while state['started'] < calls:
            state['started'] += 1
            t0 = time.perf_counter()
            try:
                await client(functions.updates.GetStateRequest())
            except Exception:
                state['errors'] += 1
            latencies.append((time.perf_counter() - t0) * 1000)

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(inflight)))
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    latencies.sort()
    return {'inflight': inflight, 'calls': len(latencies), 'errors': state['errors'],
            'seconds': seconds, 'cpu_seconds': cpu,
            'p50_ms': percentile(latencies, 50), 'p99_ms': percentile(latencies, 99)}


async def run(args, ready):
    dc = next((d for d in ready['dcs'] if d['id'] == 2), ready['dcs'][0])
    session = MemorySession()
    session.set_dc(dc['id'], dc['host'], dc['port'])
    client = TelegramClient(session, API_ID, API_HASH, connection=ConnectionTcpFull,
                            connection_retries=1, retry_delay=0, auto_reconnect=False, timeout=30)
    bots = ready.get('world', {}).get('bots', [])
    if not bots:
        raise RuntimeError('the ready file lists no bot')
    await client.connect()
    try:
        await client.sign_in(bot_token=bots[0]['token'])
        await measure(client, 16, 200)  # warm-up, not reported
        for k in args.inflight:
            print(json.dumps(await measure(client, k, args.calls)), flush=True)
    finally:
        await client.disconnect()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('ready_file')
    p.add_argument('--inflight', default='1')
    p.add_argument('--calls', type=int, default=1000)
    args = p.parse_args()
    args.inflight = [int(k) for k in args.inflight.split(',')]
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    with open(args.ready_file) as f:
        ready = json.load(f)
    rsa._server_keys.clear()  # trust only the emulator's key
    rsa.add_key(ready['public_key_pem'], old=False)
    try:
        asyncio.run(run(args, ready))
    except Exception as e:
        print(json.dumps({'error': f'{type(e).__name__}: {e}'}), flush=True)
        sys.exit(1)


if __name__ == '__main__':
    main()
