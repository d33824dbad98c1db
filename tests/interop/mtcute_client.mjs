// Drives the Invitegate emulator with mtcute (@mtcute/node, TL layer 227), unmodified.
//
// Usage: node mtcute_client.mjs READY_FILE [--scenario all|bot|user] [--dc N]
//                               [--step-timeout SECONDS] [--expect-salt-rotation]
//
// Prints one JSON line per step on stdout ({"client","step","ok","detail"}); library logs go to
// stderr. Exits 1 if any step failed. The two scenarios use separate clients with fresh
// in-memory storage, so each creates its own auth key.
import { readFileSync } from 'node:fs';
import { format } from 'node:util';

import { MemoryStorage, TelegramClient } from '@mtcute/node';
import { addPublicKey, LogManager, NodeCryptoProvider } from '@mtcute/node/utils.js';

import common from './lib/common.js';

const { parseArgs, Reporter } = common;

// Keep stdout for the JSON lines: anything the library prints goes to stderr.
for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(`${format(...args)}\n`);
}

const API_ID = 12345;
const API_HASH = '0123456789abcdef0123456789abcdef';

const args = parseArgs(process.argv.slice(2));
const ready = JSON.parse(readFileSync(args.readyFile, 'utf8'));
const report = new Reporter('mtcute', args.stepTimeoutMs);
const verbose = process.env.INTEROP_VERBOSE === '1';

// mtcute keeps server keys in a process-wide index; the emulator's key is added once.
addPublicKey(new NodeCryptoProvider(), ready.public_key_pem, false);

let badServerSalts = 0;

function pickDc() {
  const dc = args.dc === undefined ? ready.dcs.find((d) => d.id === 2) ?? ready.dcs[0]
                                   : ready.dcs.find((d) => d.id === args.dc);
  if (!dc) throw new Error(`no DC ${args.dc ?? 2} in the ready file`);
  return dc;
}

function makeClient() {
  const d = pickDc();
  const dc = { id: d.id, ipAddress: d.host, port: d.port };
  const storage = new MemoryStorage();
  const tg = new TelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage,
    defaultDcs: { main: dc, media: { ...dc, mediaOnly: true } },
    network: { usePfs: false },
    logLevel: LogManager.DEBUG,
  });
  // The salt rotation is observed through mtcute's own debug log ("... failed because of
  // bad_server_salt"), so that the driver does not need to reach into private classes. mtcute
  // starts with the salt from the key exchange, so any bad_server_salt means a rotation.
  tg.log.mgr.handler = (color, level, tag, fmt, fmtArgs) => {
    const line = format(fmt, ...fmtArgs);
    if (line.includes('bad_server_salt')) badServerSalts++;
    if (verbose || level <= LogManager.WARN) process.stderr.write(`[mtcute ${tag}] ${line}\n`);
  };
  return { tg, storage };
}

// Connects and waits until the permanent auth key for the DC is in the client's storage
// (mtcute's "connected" state already fires when the TCP connection opens).
async function connect(tg, storage) {
  const dc = pickDc();
  const deadline = Date.now() + args.stepTimeoutMs;
  await tg.connect();
  while (Date.now() < deadline) {
    const key = await storage.authKeys.get(dc.id);
    if (key) return `auth key (${key.length} bytes) created on DC ${dc.id} (${dc.host}:${dc.port})`;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no auth key in storage');
}

async function commonCalls(tg, prefix, expectBot) {
  await report.step(`${prefix}.get_state`, async () => {
    const st = await tg.call({ _: 'updates.getState' });
    if (st._ !== 'updates.state') throw new Error(`expected updates.state, got ${st._}`);
    return `pts=${st.pts} qts=${st.qts} seq=${st.seq} date=${st.date}`;
  });
  await report.step(`${prefix}.get_users`, async () => {
    const users = await tg.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] });
    if (users.length !== 1 || users[0]._ !== 'user') {
      throw new Error(`expected one user, got ${JSON.stringify(users.map((u) => u._))}`);
    }
    const u = users[0];
    if (!u.self) throw new Error('user.self flag not set for inputUserSelf');
    if (Boolean(u.bot) !== expectBot) throw new Error(`user.bot=${Boolean(u.bot)}, expected ${expectBot}`);
    return `id=${u.id} bot=${Boolean(u.bot)} phone=${u.phone ?? ''}`;
  });
}

async function botScenario() {
  const bot = ready.world?.bots?.[0];
  const { tg, storage } = makeClient();
  try {
    await report.step('bot.auth_key', () => connect(tg, storage));
    await report.step('bot.sign_in', async () => {
      if (!bot) throw new Error('the ready file lists no bot');
      const me = await tg.signInBot(bot.token);
      return `signed in as bot id=${me.id} username=${me.username ?? ''}`;
    });
    await commonCalls(tg, 'bot', true);
  } finally {
    await report.cleanup(() => tg.destroy());
  }
}

async function userScenario() {
  const user = ready.world?.users?.find((u) => u.password);
  const { tg, storage } = makeClient();
  try {
    await report.step('user.auth_key', () => connect(tg, storage));
    let sent;
    await report.step('user.send_code', async () => {
      if (!user) throw new Error('the ready file lists no user with a 2FA password');
      sent = await tg.sendCode({ phone: user.phone });
      if (!sent.phoneCodeHash) throw new Error(`no phone_code_hash (got ${sent.constructor.name})`);
      return `code sent via ${sent.type}, length ${sent.length}`;
    });
    await report.step('user.sign_in', async () => {
      // Test numbers 99966XYYYY take the code XXXXX.
      const code = user.phone[5].repeat(5);
      try {
        await tg.signIn({ phone: user.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: code });
      } catch (e) {
        if (e?.text === 'SESSION_PASSWORD_NEEDED') return 'SESSION_PASSWORD_NEEDED as expected';
        throw e;
      }
      throw new Error('signed in without the 2FA password (expected SESSION_PASSWORD_NEEDED)');
    });
    await report.step('user.check_password', async () => {
      // account.getPassword + mtcute's own SRP + auth.checkPassword.
      const me = await tg.checkPassword(user.password);
      return `signed in as user id=${me.id}`;
    });
    await commonCalls(tg, 'user', false);
  } finally {
    await report.cleanup(() => tg.destroy());
  }
}

try {
  if (args.scenario === 'all' || args.scenario === 'bot') await botScenario();
  if (args.scenario === 'all' || args.scenario === 'user') await userScenario();
  if (args.expectSaltRotation) {
    report.record('salt_rotation', badServerSalts > 0,
      badServerSalts > 0 ? `recovered: ${badServerSalts} message(s) re-sent after bad_server_salt`
                         : 'no bad_server_salt was received: the rotation did not reach this client');
  }
} catch (e) {
  report.record('driver', false, String(e?.stack ?? e));
}
process.exit(report.failed ? 1 : 0);
