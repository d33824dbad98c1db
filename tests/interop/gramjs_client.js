// Drives the Invitegate emulator with gramjs (npm `telegram` 2.26.x, TL layer 198), unmodified.
//
// Usage: node gramjs_client.js READY_FILE [--scenario all|bot|user] [--dc N]
//                              [--step-timeout SECONDS] [--expect-salt-rotation]
//
// Prints one JSON line per step on stdout ({"client","step","ok","detail"}); library logs go to
// stderr. Exits 1 if any step failed. The two scenarios use separate clients with fresh
// MemorySessions, so each creates its own auth key.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const util = require('node:util');

// Keep stdout for the JSON lines: gramjs's Logger writes with console.log.
for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...a) => process.stderr.write(`${util.format(...a)}\n`);
}

const { Api, TelegramClient } = require('telegram');
const { Logger, LogLevel } = require('telegram/extensions/Logger');
const { MTProtoSender } = require('telegram/network/MTProtoSender');
const { ConnectionTCPFull } = require('telegram/network/connection/TCPFull');
const { MemorySession } = require('telegram/sessions/Memory');
const RSA = require('telegram/crypto/RSA');
// The big-integer instance gramjs itself uses for RSA arithmetic.
const bigInt = require(require.resolve('big-integer', { paths: [require.resolve('telegram')] }));

const { parseArgs, Reporter } = require('./lib/common.js');

const API_ID = 12345;
const API_HASH = '0123456789abcdef0123456789abcdef';

const args = parseArgs(process.argv.slice(2));
const ready = JSON.parse(fs.readFileSync(args.readyFile, 'utf8'));
const report = new Reporter('gramjs', args.stepTimeoutMs);
const verbose = process.env.INTEROP_VERBOSE === '1';

// gramjs looks server keys up by the signed decimal fingerprint; Telegram's keys are dropped so
// that only the emulator's can be chosen.
const jwk = crypto.createPublicKey({ key: ready.public_key_pem, format: 'pem', type: 'pkcs1' })
  .export({ format: 'jwk' });
const modulus = BigInt(`0x${Buffer.from(jwk.n, 'base64url').toString('hex')}`);
const exponent = Number(BigInt(`0x${Buffer.from(jwk.e, 'base64url').toString('hex')}`));
RSA._serverKeys.clear();
RSA._serverKeys.set(String(ready.fingerprint_signed), { n: bigInt(modulus.toString()), e: exponent });

// Observes bad_server_salt handling (the handler table is bound when a sender is built, so the
// prototype is wrapped before any client exists); the original handler still does the work.
// gramjs starts every session with salt 0, so its first bad_server_salt only hands out the
// salt; a rotation is a bad_server_salt that replaces a real salt with another one.
let badServerSalts = 0;
let saltRotations = 0;
const originalBadSalt = MTProtoSender.prototype._handleBadServerSalt;
MTProtoSender.prototype._handleBadServerSalt = function (message) {
  badServerSalts++;
  const before = String(this._state.salt ?? 0);
  if (before !== '0' && before !== String(message.obj.newServerSalt)) saltRotations++;
  return originalBadSalt.call(this, message);
};

// gramjs reports connection failures through its logger rather than by throwing, so the last
// error it logged is kept for the step's detail.
let lastLibError = '';
class StderrLogger extends Logger {
  log(level, message) {
    if (level === LogLevel.ERROR) lastLibError = String(message);
    process.stderr.write(`[gramjs ${level}] ${message}\n`);
  }
}

function pickDc() {
  const dc = args.dc === undefined ? ready.dcs.find((d) => d.id === 2) ?? ready.dcs[0]
                                   : ready.dcs.find((d) => d.id === args.dc);
  if (!dc) throw new Error(`no DC ${args.dc ?? 2} in the ready file`);
  return dc;
}

function makeClient() {
  const dc = pickDc();
  const session = new MemorySession();
  session.setDC(dc.id, dc.host, dc.port);
  // TelegramClient.connect() dials port 80 (443 with WSS) whatever the session says, so the
  // connection class carries the emulator's port.
  class EmulatorConnection extends ConnectionTCPFull {
    constructor(opts) {
      super({ ...opts, port: dc.port });
    }
  }
  return new TelegramClient(session, API_ID, API_HASH, {
    connection: EmulatorConnection,
    connectionRetries: 1,
    autoReconnect: false,
    baseLogger: new StderrLogger(verbose ? LogLevel.DEBUG : LogLevel.WARN),
  });
}

const creds = { apiId: API_ID, apiHash: API_HASH };

async function connect(client) {
  // Creates the auth key, then invokeWithLayer(198, initConnection(help.getConfig)).
  const ok = await client.connect();
  if (!ok) throw new Error(`connect() returned false; last gramjs error: ${lastLibError || 'none'}`);
  const dc = pickDc();
  return `auth key created and initConnection answered on DC ${dc.id} (${dc.host}:${dc.port})`;
}

async function commonCalls(client, prefix, expectBot) {
  await report.step(`${prefix}.get_state`, async () => {
    const st = await client.invoke(new Api.updates.GetState());
    if (!(st instanceof Api.updates.State)) throw new Error(`expected updates.state, got ${st?.className}`);
    return `pts=${st.pts} qts=${st.qts} seq=${st.seq} date=${st.date}`;
  });
  await report.step(`${prefix}.get_users`, async () => {
    const users = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
    if (users.length !== 1 || !(users[0] instanceof Api.User)) {
      throw new Error(`expected one user, got ${JSON.stringify(users.map((u) => u.className))}`);
    }
    const u = users[0];
    if (!u.self) throw new Error('user.self flag not set for inputUserSelf');
    if (Boolean(u.bot) !== expectBot) throw new Error(`user.bot=${Boolean(u.bot)}, expected ${expectBot}`);
    return `id=${u.id} bot=${Boolean(u.bot)} phone=${u.phone ?? ''}`;
  });
}

async function botScenario() {
  const bot = ready.world?.bots?.[0];
  const client = makeClient();
  try {
    await report.step('bot.auth_key', () => connect(client));
    await report.step('bot.sign_in', async () => {
      if (!bot) throw new Error('the ready file lists no bot');
      const me = await client.signInBot(creds, { botAuthToken: bot.token });
      return `signed in as bot id=${me.id} username=${me.username ?? ''}`;
    });
    await commonCalls(client, 'bot', true);
  } finally {
    await report.cleanup(() => client.destroy());
  }
}

async function userScenario() {
  const user = ready.world?.users?.find((u) => u.password);
  const client = makeClient();
  try {
    await report.step('user.auth_key', () => connect(client));
    let sent;
    await report.step('user.send_code', async () => {
      if (!user) throw new Error('the ready file lists no user with a 2FA password');
      sent = await client.sendCode(creds, user.phone);
      if (typeof sent.phoneCodeHash !== 'string') throw new Error('no phone_code_hash in auth.sentCode');
      return `code sent (via app: ${sent.isCodeViaApp})`;
    });
    await report.step('user.sign_in', async () => {
      // Test numbers 99966XYYYY take the code XXXXX.
      const code = user.phone[5].repeat(5);
      try {
        await client.invoke(new Api.auth.SignIn({
          phoneNumber: user.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: code,
        }));
      } catch (e) {
        if (e?.errorMessage === 'SESSION_PASSWORD_NEEDED') return 'SESSION_PASSWORD_NEEDED as expected';
        throw e;
      }
      throw new Error('signed in without the 2FA password (expected SESSION_PASSWORD_NEEDED)');
    });
    await report.step('user.check_password', async () => {
      // account.getPassword + gramjs's own SRP (computeCheck) + auth.checkPassword.
      let failure;
      const me = await client.signInWithPassword(creds, {
        password: async () => user.password,
        onError: async (e) => { failure = e; return true; },  // stop instead of retrying
      }).catch((e) => { throw failure ?? e; });
      return `signed in as user id=${me.id}`;
    });
    await commonCalls(client, 'user', false);
  } finally {
    await report.cleanup(() => client.destroy());
  }
}

(async () => {
  try {
    if (args.scenario === 'all' || args.scenario === 'bot') await botScenario();
    if (args.scenario === 'all' || args.scenario === 'user') await userScenario();
    if (args.expectSaltRotation) {
      report.record('salt_rotation', saltRotations > 0,
        `${saltRotations} salt rotation(s) seen among ${badServerSalts} bad_server_salt message(s)` +
        (saltRotations > 0 ? '; recovered' : ': the rotation did not reach this client'));
    }
  } catch (e) {
    report.record('driver', false, String(e?.stack ?? e));
  }
  process.exit(report.failed ? 1 : 0);
})();
