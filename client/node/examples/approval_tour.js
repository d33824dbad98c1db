#!/usr/bin/env node
'use strict';
// The approval-gated tour with the Node client: alice creates an invite link that needs
// approval, a watch follows alice's join requests, dave joins through the link (pending), the
// request arrives on the watch, alice approves it, and dave is a member.
//
// Run against a server on the embedded emulator (scripts/run.sh):
//   node client/node/examples/approval_tour.js [--address HOST:PORT] [--token T] [--chat NAME]
const fs = require('fs');
const ig = require('..');

// Each binding's tour uses its own chat (Python: the supergroup; Node: the channel; Go: the basic
// group), so the three can run one after another against one server: dave joins each chat once.
const CHAT = 'accounts/alice/chats/-1000004000002';

// Pulls events from an async iterator until one matches; null when the watch ends (its error,
// if any, is rethrown) or after 20 s.
async function nextMatching(iterator, match, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    let timer;
    const step = await Promise.race([iterator.next(),
      new Promise((resolve) => { timer = setTimeout(() => resolve({ timeout: true }), remaining); })]);
    clearTimeout(timer);
    if (step.timeout || step.done) return null;
    if (match(step.value)) return step.value;
  }
}

async function runTour(client, out = console.log, chat = CHAT) {
  const dave = await client.accounts.getAccount({ name: 'accounts/dave' });
  const link = await client.createInviteLink(chat, { requestNeeded: true, title: 'tour' });
  out(`alice created ${link.url} (approval needed: ${link.requestNeeded})`);
  if (!link.name.endsWith(`/${ig.parseInviteLink(link.url)}`)) throw new Error('parser disagrees');

  // Watch first, from a snapshot: its SNAPSHOT_COMPLETE says the stream is live, so dave's
  // request cannot slip in before it.
  const watch = client.watchJoinRequests('accounts/alice', { snapshot: true });
  const events = watch[Symbol.asyncIterator]();
  try {
    return await follow(client, chat, link, dave, watch, events, out);
  } finally {
    watch.cancel(); // an open stream would keep the process alive
    await events.return();
  }
}

async function follow(client, chat, link, dave, watch, events, out) {
  let watching = true;
  try {
    if (!await nextMatching(events, (ev) => ev.event === 'snapshotComplete')) throw new Error('watch ended');
  } catch (e) {
    if (!(e instanceof ig.InvitegateError) || e.code !== ig.status.UNIMPLEMENTED) throw e;
    watching = false;
    out('the server does not stream join requests yet (WatchJoinRequests: UNIMPLEMENTED); the tour lists them instead');
  }

  const joined = await client.joinByInviteLink('accounts/dave', link.url);
  out(`dave joined: ${joined.outcome}`);

  let request = null;
  if (watching) {
    const ev = await nextMatching(events, (e) => e.event === 'created'
      && e.created.joinRequest.user.id === dave.userId);
    if (!ev) throw new Error("the watch did not see dave's request");
    request = ev.created.joinRequest;
    out(`the watch saw the request of user ${request.user.id} (${request.name})`);
  } else {
    for await (const r of client.listJoinRequests(chat, { inviteLink: link.name })) {
      if (r.user.id === dave.userId) request = r;
    }
    if (!request) throw new Error("dave's request is not listed");
    out(`listed the request of user ${request.user.id} (${request.name})`);
  }
  await client.approveJoinRequest(request.name);
  out('alice approved it');
  let resolved = null;
  if (watching) {
    const ev = await nextMatching(events, (e) => e.event === 'resolved');
    if (!ev) throw new Error('the watch did not see the approval');
    resolved = ev.resolved;
    out(`the watch saw it ${resolved.joinRequest.state}`);
  }
  return { link, outcome: joined.outcome, request, resolved, watching, resumeToken: watch.resumeToken };
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  let address = flag('--address');
  if (!address) {
    try {
      address = JSON.parse(fs.readFileSync('.invitegate/server-ready.json', 'utf8')).address;
    } catch (e) {
      address = '127.0.0.1:50051';
    }
  }
  const client = new ig.Client(address, { token: flag('--token') || process.env.INVITEGATE_TOKEN });
  try {
    await runTour(client, console.log, flag('--chat') || CHAT);
  } catch (e) {
    console.error(`failed: ${e.message}${e.reason ? ` (reason ${e.reason})` : ''}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

if (require.main === module) main();
module.exports = { runTour, CHAT };
