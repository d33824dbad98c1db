'use strict';
// Invite-link parsing, the same grammar as the server's (mtproto/engine/invite_link.h).
// Spec: https://core.telegram.org/api/invites#invite-links
//
// Accepted, host and scheme compared case-insensitively, the hash keeping its case:
//   [http[s]://][www.](t.me|telegram.me|telegram.dog)/+HASH
//   [http[s]://][www.](t.me|telegram.me|telegram.dog)/joinchat/HASH
// optionally followed by "/", "?query" or "#fragment"; a bare "+HASH"; and tg://join?invite=HASH.
// HASH is [A-Za-z0-9_-]+. A bare HASH without '+' is refused: it cannot be told from a username.

const HASH = /^[A-Za-z0-9_-]+$/;
const HOST = /^(?:https?:\/\/)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)\//i;
const TG_JOIN = /^tg:\/\/join\/?\?/i;
// What the server trims: spaces, tabs and line ends only (not every Unicode space).
const BLANKS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** The invite hash in `text`, or null when `text` is not an invite link. */
function parseInviteLink(text) {
  if (typeof text !== 'string') return null;
  text = text.replace(BLANKS, '');
  const tg = TG_JOIN.exec(text);
  if (tg) {
    const query = text.slice(tg[0].length).split('#')[0];
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      if (eq >= 0 && pair.slice(0, eq) === 'invite') {
        const value = pair.slice(eq + 1);
        return HASH.test(value) ? value : null;
      }
    }
    return null;
  }
  let path;
  const host = HOST.exec(text);
  if (host) {
    path = text.slice(host[0].length).split(/[?#]/)[0];
  } else if (text.startsWith('+')) {
    path = text;
  } else {
    return null;
  }
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path.startsWith('+')) {
    path = path.slice(1);
  } else if (path.slice(0, 9).toLowerCase() === 'joinchat/') {
    path = path.slice(9);
  } else {
    return null;
  }
  return HASH.test(path) ? path : null;
}

/** The canonical link for a hash: https://t.me/+HASH. */
function inviteLinkForHash(hash) {
  return `https://t.me/+${hash}`;
}

module.exports = { parseInviteLink, inviteLinkForHash };
