"""Invite-link parsing, the same grammar as the server's (mtproto/engine/invite_link.h).

Spec: https://core.telegram.org/api/invites#invite-links

Accepted, host and scheme compared case-insensitively, the hash keeping its case:
  [http[s]://][www.](t.me|telegram.me|telegram.dog)/+HASH
  [http[s]://][www.](t.me|telegram.me|telegram.dog)/joinchat/HASH
optionally followed by "/", "?query" or "#fragment"; a bare "+HASH"; and tg://join?invite=HASH.
HASH is [A-Za-z0-9_-]+. A bare HASH without '+' is refused: it cannot be told from a username.
Keeping the grammar identical to the server's matters: a client that accepts what the server
refuses (or the reverse) turns a typo into a confusing INVALID_ARGUMENT.
"""

import re
from typing import Optional

__all__ = ["parse_invite_link", "invite_link_for_hash"]

_HASH = re.compile(r"[A-Za-z0-9_-]+\Z")
_HOST = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/", re.I)
_TG_JOIN = re.compile(r"tg://join/?\?", re.I)
# What the server trims: spaces, tabs and line ends only (not every Unicode space).
_BLANKS = " \t\r\n"


def parse_invite_link(text: str) -> Optional[str]:
    """The invite hash in `text`, or None when `text` is not an invite link."""
    text = text.strip(_BLANKS)
    tg = _TG_JOIN.match(text)
    if tg:
        query = text[tg.end():].split("#", 1)[0]
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            if eq and key == "invite":
                return value if _HASH.match(value) else None
        return None
    host = _HOST.match(text)
    if host:
        path = re.split(r"[?#]", text[host.end():], maxsplit=1)[0]
    elif text.startswith("+"):
        path = text
    else:
        return None
    if path.endswith("/"):
        path = path[:-1]
    if path.startswith("+"):
        path = path[1:]
    elif path[:9].lower() == "joinchat/":
        path = path[9:]
    else:
        return None
    return path if _HASH.match(path) else None


def invite_link_for_hash(invite_hash: str) -> str:
    """The canonical link for a hash: https://t.me/+HASH."""
    return "https://t.me/+" + invite_hash
