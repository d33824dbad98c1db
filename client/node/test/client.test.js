'use strict';
// Hermetic tests of the Node wrapper: the invite-link parser against the shared vectors, and
// error decoding + the resuming watch against an in-process fake server on loopback port 0 (the
// fake scripts a disconnect mid-snapshot, SLOW_CONSUMER with RetryInfo, a clean end of stream
// and an expired token).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const ig = require('..');

const VECTORS = process.env.INVITEGATE_LINK_VECTORS
  || path.join(__dirname, '..', '..', 'go', 'testdata', 'invite_links.json');

test('parser: shared vectors', () => {
  const vectors = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));
  for (const [text, want] of vectors.accept) assert.strictEqual(ig.parseInviteLink(text), want, text);
  for (const text of vectors.refuse) assert.strictEqual(ig.parseInviteLink(text), null, text);
  assert.strictEqual(ig.parseInviteLink(ig.inviteLinkForHash('x-Y_z')), 'x-Y_z');
});

test('parser: survives garbage', () => {
  let s = '';
  for (let i = 0; i < 2000; i += 1) {
    s += String.fromCharCode((i * 7919) & 0xff);
    ig.parseInviteLink(s);
    ig.parseInviteLink(`https://t.me/+${s}`);
  }
  assert.strictEqual(ig.parseInviteLink(undefined), null);
});

// A google.rpc.Status trailer with the given details ([type name, object]).
function statusError(code, message, details) {
  const root = new protobuf.Root();
  root.resolvePath = (o, t) => (t.startsWith('google/protobuf/') ? t : path.join(ig.DEFAULT_PROTO_DIR, t));
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
  const Status = root.lookupType('google.rpc.Status');
  const encoded = Status.encode(Status.create({
    code, message,
    details: details.map(([type, value]) => ({
      // protobufjs's bundled google.protobuf.Any keeps the proto field name.
      type_url: `type.googleapis.com/${type}`,
      value: root.lookupType(type).encode(root.lookupType(type).fromObject(value)).finish(),
    })),
  })).finish();
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encoded));
  return { code, details: message, metadata };
}

async function startFake() {
  const client0 = new ig.Client('127.0.0.1:1');
  const v1 = client0.v1;
  client0.close();
  const requests = [];
  const server = new grpc.Server();
  server.addService(v1.InviteLinkService.service, {
    createInviteLink(call, callback) {
      if (call.metadata.get('authorization')[0] !== 'Bearer s3cret') {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'no token' });
        return;
      }
      callback(statusError(grpc.status.RESOURCE_EXHAUSTED, 'FLOOD_WAIT_42', [
        ['google.rpc.ErrorInfo', { reason: 'FLOOD_WAIT', domain: 'telegram.org', metadata: { method: 'exportChatInvite' } }],
        ['google.rpc.RetryInfo', { retryDelay: { seconds: 42 } }]]));
    },
    getInviteLink(call, callback) {
      callback(statusError(grpc.status.INVALID_ARGUMENT, 'bad name', [
        ['google.rpc.BadRequest', { fieldViolations: [{ field: 'name', description: 'bad' }] }]]));
    },
  });
  const event = (resumeToken, kind, value = {}) => ({ resumeToken, account: 'accounts/a', [kind]: value });
  server.addService(v1.JoinRequestService.service, {
    watchJoinRequests(call) {
      requests.push(call.request);
      const pending = { name: 'accounts/a/chats/c/joinRequests/7' };
      const act = requests.length;
      if (act === 1) { // drops mid-snapshot: the client must ask for the snapshot again
        call.write(event('', 'snapshot', pending));
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'connection reset' });
      } else if (act === 2) {
        call.write(event('', 'snapshot', pending));
        call.write(event('t0', 'snapshotComplete'));
        call.write(event('t1', 'created'));
        call.write(event('t1', 'heartbeat'));
        call.emit('error', statusError(grpc.status.RESOURCE_EXHAUSTED, 'too slow', [
          ['google.rpc.ErrorInfo', { reason: 'SLOW_CONSUMER', domain: 'invitegate' }],
          ['google.rpc.RetryInfo', { retryDelay: { nanos: 50000000 } }]]));
      } else if (act === 3) { // the server ends the stream (e.g. shutting down): resume again
        call.write(event('t2', 'created'));
        call.end();
      } else {
        call.emit('error', statusError(grpc.status.OUT_OF_RANGE, 'token expired', [
          ['google.rpc.ErrorInfo', { reason: 'RESUME_TOKEN_EXPIRED', domain: 'invitegate' }]]));
      }
    },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new ig.Client(`127.0.0.1:${port}`, { token: 's3cret', timeoutMs: 10000 });
  return { server, client, requests };
}

test('fake server: errors and the resuming watch', async (t) => {
  const { server, client, requests } = await startFake();
  t.after(() => { client.close(); server.forceShutdown(); });

  await t.test('errors carry the reason and the retry delay', async () => {
    const e = await client.createInviteLink('accounts/a/chats/c', { requestNeeded: true }).then(
      () => assert.fail('no error'), (err) => err);
    assert.ok(e instanceof ig.InvitegateError, String(e));
    assert.strictEqual(e.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.strictEqual(e.codeName, 'RESOURCE_EXHAUSTED');
    assert.deepStrictEqual([e.reason, e.domain, e.retryDelayMs], ['FLOOD_WAIT', 'telegram.org', 42000]);
    assert.deepStrictEqual(e.metadata, { method: 'exportChatInvite' });
    const bad = await client.inviteLinks.getInviteLink({}).then(() => null, (err) => err);
    assert.deepStrictEqual(bad.fieldViolations, [{ field: 'name', description: 'bad' }]);
    assert.strictEqual(bad.retryDelayMs, null);
  });

  await t.test('the watch resumes with the last token', async () => {
    const watch = client.watchJoinRequests('accounts/a', { snapshot: true, initialBackoffMs: 10 });
    const seen = [];
    const error = await (async () => {
      for await (const ev of watch) seen.push(`${ev.event}@${ev.resumeToken}`);
      return null;
    })().catch((e) => e);
    assert.ok(error instanceof ig.InvitegateError, String(error));
    assert.deepStrictEqual([error.codeName, error.reason], ['OUT_OF_RANGE', 'RESUME_TOKEN_EXPIRED']);
    assert.deepStrictEqual(seen, ['snapshot@', 'snapshot@', 'snapshotComplete@t0', 'created@t1', 'created@t2']);
    assert.deepStrictEqual(requests.map((r) => `${r.start}:${r.resumeToken || ''}`),
      ['snapshot:', 'snapshot:', 'resumeToken:t1', 'resumeToken:t2']);
    assert.strictEqual(watch.resumeToken, 't2');
    assert.strictEqual(watch.reconnects, 3);
  });

  await t.test('cancel ends the watch quietly', async () => {
    requests.length = 0;
    const watch = client.watchJoinRequests('accounts/a', { snapshot: true, initialBackoffMs: 3600000 });
    let count = 0;
    for await (const ev of watch) { // eslint-disable-line no-unused-vars
      count += 1;
      setTimeout(() => watch.cancel(), 20); // cancels while the watch backs off
    }
    assert.strictEqual(count, 1);
  });
});

test('fake server over TLS: the CA is trusted and the token arrives', async (t) => {
  const { execFileSync } = require('child_process');
  const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'invitegate-node-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A throw-away self-signed certificate for 127.0.0.1, its own CA (openssl CLI).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const client0 = new ig.Client('127.0.0.1:1');
  const v1 = client0.v1;
  client0.close();
  const server = new grpc.Server();
  server.addService(v1.AccountService.service, {
    getAccount(call, callback) {
      const auth = call.metadata.get('authorization')[0];
      if (auth !== 'Bearer s3cret') callback({ code: grpc.status.UNAUTHENTICATED, details: 'no token' });
      else callback(null, { name: call.request.name });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(null, [{
    cert_chain: fs.readFileSync(`${dir}/cert.pem`), private_key: fs.readFileSync(`${dir}/key.pem`) }]);
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials,
    (e, p) => (e ? reject(e) : resolve(p))));
  t.after(() => server.forceShutdown());

  const client = new ig.Client(`127.0.0.1:${port}`, { caCert: `${dir}/cert.pem`, token: 's3cret', timeoutMs: 10000 });
  const account = await client.accounts.getAccount({ name: 'accounts/alice' });
  assert.strictEqual(account.name, 'accounts/alice');
  client.close();
  const anonymous = new ig.Client(`127.0.0.1:${port}`, { caCert: `${dir}/cert.pem`, timeoutMs: 10000 });
  const e = await anonymous.accounts.getAccount({ name: 'accounts/alice' }).then(() => null, (err) => err);
  assert.strictEqual(e && e.codeName, 'UNAUTHENTICATED');
  anonymous.close();
});
