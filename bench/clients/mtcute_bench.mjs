// The mtcute side of engine_bench: signs a bot in against the emulator named by a ready file and
// makes the same calls as the engine (updates.getState) with K calls kept in flight.
//
// Usage: node mtcute_bench.mjs READY_FILE INTEROP_DIR --inflight K[,K...] --calls N
//
// INTEROP_DIR is tests/interop, whose node_modules holds @mtcute/node (an ES module is resolved
// from its own location, so NODE_PATH would not help). Prints one JSON line per K on stdout:
// {"inflight","calls","errors","seconds","cpu_seconds","p50_ms","p99_ms"} (cpu_seconds is this
// process's user+system time over the timed part); library logs go to stderr.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(`${format(...args)}\n`);
}

const API_ID = 12345;
const API_HASH = '0123456789abcdef0123456789abcdef';

function parseArgs(argv) {
  const out = { positional: [], inflight: [1], calls: 1000 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--inflight') out.inflight = argv[++i].split(',').map(Number);
    else if (argv[i] === '--calls') out.calls = Number(argv[++i]);
    else out.positional.push(argv[i]);
  }
  if (out.positional.length !== 2) throw new Error('usage: mtcute_bench.mjs READY_FILE INTEROP_DIR [--inflight K,...] [--calls N]');
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// K workers, each making its next call when its previous one is answered, until N are made.
async function measure(tg, inflight, calls) {
  const latencies = [];
  let started = 0;
  let errors = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      const t0 = process.hrtime.bigint();
      try {
        await tg.call({ _: 'updates.getState' });
      } catch (e) {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    inflight, calls: latencies.length, errors, seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [readyFile, interopDir] = args.positional;
  const mod = (name) => import(pathToFileURL(join(interopDir, 'node_modules/@mtcute/node', name)).href);
  const { MemoryStorage, TelegramClient } = await mod('index.js');
  const { addPublicKey, LogManager, NodeCryptoProvider } = await mod('utils.js');

  const ready = JSON.parse(readFileSync(readyFile, 'utf8'));
  addPublicKey(new NodeCryptoProvider(), ready.public_key_pem, false);
  const d = ready.dcs.find((x) => x.id === 2) ?? ready.dcs[0];
  const dc = { id: d.id, ipAddress: d.host, port: d.port };
  const tg = new TelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage: new MemoryStorage(),
    defaultDcs: { main: dc, media: { ...dc, mediaOnly: true } },
    network: { usePfs: false },
    logLevel: LogManager.WARN,
  });
  try {
    const bot = ready.world?.bots?.[0];
    if (!bot) throw new Error('the ready file lists no bot');
    await tg.connect();
    await tg.signInBot(bot.token);
    await measure(tg, 16, 200);  // warm-up (JIT, connection), not reported
    for (const k of args.inflight) {
      process.stdout.write(`${JSON.stringify(await measure(tg, k, args.calls))}\n`);
    }
  } finally {
    await tg.destroy();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.message ?? e) })}\n`);
  process.exit(1);
});
