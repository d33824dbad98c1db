// The joining users of the seed's approval-gated flow, played by mtcute (@mtcute/node, layer
// 227, unmodified) against the emulator, while our engine is the admin (admin_driver.cc).
// Driven by run_join_interop.py; see README.md.
//
// Usage: node mtcute_joiner.mjs READY_FILE --link LINK --phones P1,P2,... --channel-id ID
//                               [--step-timeout SECONDS]
//
// Phase 1, for each phone (each its own client, fresh in-memory storage): auth key, sign-in
// (auth.sendCode + auth.signIn with the test code), the link's preview (messages.checkChatInvite
// → chatInvite with request_needed, through mtcute's getChatPreview), the join (mtcute's joinChat
// → messages.importChatInvite → INVITE_REQUEST_SENT, "request_sent"). Then it prints
// {"client":"mtcute","phase":"requested"} and waits for a line "approved" on stdin.
// Phase 2, for each: the updateChannel Telegram pushes to an approved user arrived through
// mtcute's update loop; checkChatInvite now answers chatInviteAlready with the channel (not
// left); joining again fails with USER_ALREADY_PARTICIPANT.
// One JSON line per step on stdout ({"client","step","ok","detail"}); library logs on stderr.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { format } from 'node:util';

import { MemoryStorage, TelegramClient } from '@mtcute/node';
import { addPublicKey, LogManager, NodeCryptoProvider } from '@mtcute/node/utils.js';

import common from './lib/common.js';

const { Reporter, describeError } = common;

for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(`${format(...args)}\n`);
}

const API_ID = 12345;
const API_HASH = '0123456789abcdef0123456789abcdef';
const USAGE = 'usage: node mtcute_joiner.mjs READY_FILE --link LINK --phones P1,P2,... ' +
              '--channel-id ID [--step-timeout SECONDS]';

function parseArgs(argv) {
  const out = { stepTimeoutMs: 20000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (a === '--link') out.link = value();
    else if (a === '--phones') out.phones = value().split(',').filter(Boolean);
    else if (a === '--channel-id') out.channelId = Number(value());
    else if (a === '--step-timeout') out.stepTimeoutMs = Number(value()) * 1000;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else out.readyFile = a;
  }
  if (!out.readyFile || !out.link || !out.phones?.length || !out.channelId) throw new Error(USAGE);
  return out;
}

const args = parseArgs(process.argv.slice(2));
const ready = JSON.parse(readFileSync(args.readyFile, 'utf8'));
const report = new Reporter('mtcute', args.stepTimeoutMs);
const verbose = process.env.INTEROP_VERBOSE === '1';

addPublicKey(new NodeCryptoProvider(), ready.public_key_pem, false);

function makeClient(name) {
  const d = ready.dcs.find((x) => x.id === 2) ?? ready.dcs[0];
  const dc = { id: d.id, ipAddress: d.host, port: d.port };
  const tg = new TelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage: new MemoryStorage(),
    defaultDcs: { main: dc, media: { ...dc, mediaOnly: true } },
    network: { usePfs: false },
    logLevel: LogManager.DEBUG,
  });
  tg.log.mgr.handler = (color, level, tag, fmt, fmtArgs) => {
    if (verbose || level <= LogManager.WARN) {
      process.stderr.write(`[mtcute ${name} ${tag}] ${format(fmt, ...fmtArgs)}\n`);
    }
  };
  return tg;
}

// Resolves once `pred` holds for one of the joiner's updates (checked again on each new one);
// the Reporter's step timeout bounds the wait.
function waitFor(joiner, pred) {
  return new Promise((resolve) => {
    const check = () => {
      const hit = joiner.updates.find(pred);
      if (hit) resolve(hit);
      return Boolean(hit);
    };
    if (!check()) joiner.waiters.push(check);
  });
}

// One joining user: the world's account, its client, and every raw update its loop delivered.
function makeJoiner(phone) {
  const user = ready.world.users.find((u) => u.phone === phone);
  if (!user) throw new Error(`no user with phone ${phone} in the ready file`);
  const name = user.first_name.toLowerCase();
  const joiner = { user, name, tg: makeClient(name), updates: [], waiters: [] };
  joiner.tg.onRawUpdate.add(({ update }) => {
    joiner.updates.push(update);
    joiner.waiters = joiner.waiters.filter((check) => !check());
  });
  return joiner;
}

async function requestToJoin(j) {
  const { tg, user, name } = j;
  await report.step(`${name}.sign_in`, async () => {
    const sent = await tg.sendCode({ phone: user.phone });
    // Test numbers 99966XYYYY take the code XXXXX (the ready file says it too).
    const code = user.login_code ?? user.phone[5].repeat(5);
    const me = await tg.signIn({ phone: user.phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: code });
    if (me.id !== user.id) throw new Error(`signed in as ${me.id}, expected ${user.id}`);
    return `user id=${me.id} (${user.first_name})`;
  });
  await report.step(`${name}.check_link`, async () => {
    const preview = await tg.getChatPreview(args.link);
    if (!preview.withApproval) throw new Error('chatInvite without request_needed');
    return `chatInvite "${preview.title}" type=${preview.type} members=${preview.memberCount} ` +
           'request_needed';
  });
  await report.step(`${name}.import_link`, async () => {
    const res = await tg.joinChat(args.link);
    if (res.status !== 'request_sent') {
      throw new Error(`joinChat answered ${res.status}, expected request_sent (INVITE_REQUEST_SENT)`);
    }
    return 'INVITE_REQUEST_SENT (joinChat: request_sent)';
  });
}

async function verifyMember(j) {
  const { tg, name } = j;
  await report.step(`${name}.update_channel`, async () => {
    await waitFor(j, (u) => u._ === 'updateChannel' && u.channelId === args.channelId);
    return `updateChannel(${args.channelId}) received; updates seen: ` +
           [...new Set(j.updates.map((u) => u._))].join(', ');
  });
  await report.step(`${name}.check_member`, async () => {
    const res = await tg.call({ _: 'messages.checkChatInvite', hash: args.link.replace(/^.*[+/]/, '') });
    if (res._ !== 'chatInviteAlready') throw new Error(`expected chatInviteAlready, got ${res._}`);
    const chat = res.chat;
    if (chat._ !== 'channel' || chat.id !== args.channelId) {
      throw new Error(`chatInviteAlready names ${chat._} ${chat.id}, expected channel ${args.channelId}`);
    }
    if (chat.left) throw new Error('channel.left is set: not a member');
    return `chatInviteAlready: channel ${chat.id} "${chat.title}", not left`;
  });
  await report.step(`${name}.join_again`, async () => {
    try {
      const res = await tg.joinChat(args.link);
      throw new Error(`joinChat answered ${res.status}, expected USER_ALREADY_PARTICIPANT`);
    } catch (e) {
      if (e?.text === 'USER_ALREADY_PARTICIPANT') return 'USER_ALREADY_PARTICIPANT';
      throw e;
    }
  });
}

function nextLine(lines) {
  return new Promise((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(null));
  });
}

const joiners = [];
try {
  for (const phone of args.phones) joiners.push(makeJoiner(phone));
  for (const j of joiners) {
    await requestToJoin(j);
    await report.cleanup(() => {});  // a failed joiner does not block the next one
  }
  process.stdout.write(`${JSON.stringify({ client: 'mtcute', phase: 'requested' })}\n`);
  const lines = createInterface({ input: process.stdin });
  const line = await nextLine(lines);
  lines.close();
  if (line?.trim() !== 'approved') throw new Error(`expected "approved" on stdin, got ${line}`);
  for (const j of joiners) {
    await verifyMember(j);
    await report.cleanup(() => {});
  }
} catch (e) {
  report.record('driver', false, describeError(e));
} finally {
  for (const j of joiners) await report.cleanup(() => j.tg.destroy());
}
process.exit(report.failed ? 1 : 0);
