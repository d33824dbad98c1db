'use strict';
// End to end against a real invitegate-server (child process, embedded emulator, loopback port
// 0): the example's approval-gated tour, then errors as InvitegateError carrying Telegram's
// reason. INVITEGATE_SERVER names the server binary (CTest sets it); without it this file is
// skipped.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const ig = require('..');
const { runTour, CHAT } = require('../examples/approval_tour');

const SERVER = process.env.INVITEGATE_SERVER;

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitegate-node-e2e-'));
  const ready = path.join(dir, 'ready.json');
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const child = spawn(SERVER, ['--listen=127.0.0.1:0', `--data-dir=${dir}/data`, `--ready-file=${ready}`],
    { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const deadline = Date.now() + 90000;
  while (!fs.existsSync(ready)) {
    if (exited !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`invitegate-server not ready (exit ${exited}):\n${fs.readFileSync(path.join(dir, 'server.log'), 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const { address } = JSON.parse(fs.readFileSync(ready, 'utf8'));
  const stop = () => new Promise((resolve) => {
    if (exited !== null) { resolve(); return; }
    const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('exit', () => { clearTimeout(killer); fs.closeSync(log); resolve(); });
    child.kill('SIGTERM');
  });
  return { address, stop, dir };
}

test('e2e against invitegate-server', { skip: !SERVER && 'INVITEGATE_SERVER is not set' }, async (t) => {
  const server = await startServer();
  const client = new ig.Client(server.address, { timeoutMs: 30000 });
  t.after(async () => { client.close(); await server.stop(); });

  await t.test('the approval-gated tour', async (t2) => {
    const lines = [];
    const result = await runTour(client, (line) => lines.push(line));
    t2.diagnostic(lines.join('\n'));
    assert.strictEqual(result.link.requestNeeded, true);
    assert.strictEqual(result.outcome, 'JOIN_OUTCOME_PENDING_APPROVAL');
    assert.strictEqual(result.request.user.id, 1000004);
    if (!result.watching) {
      t2.diagnostic('SKIPPED the watch step: WatchJoinRequests answers UNIMPLEMENTED on this server');
    } else {
      assert.strictEqual(result.resolved.joinRequest.state, 'JOIN_REQUEST_STATE_APPROVED');
      assert.ok(result.resumeToken);
    }
    // dave is a member now: joining again is Telegram's USER_ALREADY_PARTICIPANT.
    const again = await client.joinByInviteLink('accounts/dave', result.link.url).then(() => null, (e) => e);
    assert.ok(again instanceof ig.InvitegateError, String(again));
    assert.deepStrictEqual([again.codeName, again.reason, again.domain],
      ['ALREADY_EXISTS', 'USER_ALREADY_PARTICIPANT', 'telegram.org']);
  });

  await t.test('errors carry the reason', async () => {
    const fail = (p) => p.then(() => assert.fail('no error'), (e) => e);
    let e = await fail(client.accounts.getAccount({ name: 'accounts/nobody' }));
    assert.deepStrictEqual([e.codeName, e.reason], ['NOT_FOUND', 'ACCOUNT_NOT_FOUND']);
    e = await fail(client.accounts.getAccount({ name: 'users/x' }));
    assert.deepStrictEqual(e.fieldViolations.map((v) => v.field), ['name']);
    e = await fail(client.inviteLinks.listInviteLinks({ parent: 'accounts/bot/chats/invitegate_group' }));
    assert.deepStrictEqual([e.codeName, e.reason], ['FAILED_PRECONDITION', 'NOT_ALLOWED_FOR_BOTS']);
  });

  await t.test('the server and the parser agree', async () => {
    const link = await client.createInviteLink(CHAT, { title: 'agree' });
    const hash = ig.parseInviteLink(link.url);
    // Every form the parser accepts, the server accepts too, with the same answer (preview,
    // peek or alreadyMember, depending on what dave did before: the same for every form).
    const seen = new Set();
    for (const form of [link.url, `t.me/joinchat/${hash}`, `+${hash}`, `HTTPS://TELEGRAM.DOG/+${hash}`]) {
      assert.strictEqual(ig.parseInviteLink(form), hash);
      const check = await client.inviteLinks.checkInviteLink({ account: 'accounts/dave', inviteLink: form });
      seen.add(check.result);
    }
    assert.strictEqual(seen.size, 1, [...seen].join());
    assert.ok([...seen][0]);
  });
});
