// Recognizing invite links and public t.me links in the forms users paste them. Pure functions:
// no I/O, no allocation beyond the returned string.
// Spec: https://core.telegram.org/api/invites#invite-links — invite links match
//   (?:t|telegram)\.(?:me|dog)/(joinchat/|\+)?([\w-]+)   (case-insensitive)
// and https://core.telegram.org/api/links#public-username-links for t.me/<username>.
//
// Accepted invite forms (host compared case-insensitively; the hash keeps its case):
//   [http[s]://][www.](t.me|telegram.me|telegram.dog)/+HASH
//   [http[s]://][www.](t.me|telegram.me|telegram.dog)/joinchat/HASH
// optionally followed by "/" and/or "?query" / "#fragment", which are ignored. HASH is one or more
// of [A-Za-z0-9_-]. A bare "+HASH" (what Telegram shows after "t.me/") is accepted as well: it is
// unambiguous (no username starts with '+') and users copy it that way. A bare HASH without the
// '+' is NOT accepted: it cannot be told apart from a username. tg://join?invite=HASH is
// accepted too (the deep-link form of the same thing).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtproto::engine {

// The invite hash of `text`, or nullopt when `text` is not an invite link (a public
// t.me/<username> link, another host, an empty or malformed hash, ...).
[[nodiscard]] std::optional<std::string> ParseInviteLink(std::string_view text);

// The username of a public link [http[s]://][www.](t.me|telegram.me|telegram.dog)/<username>
// (optionally with a trailing "/", "/<post id>", "?query" or "#fragment"), of the channel preview
// t.me/s/<username>, or of tg://resolve?domain=<username>; nullopt for invite links, Telegram's
// reserved paths (joinchat, addstickers, proxy, share, ...) and anything else. The username is
// returned as written (Telegram compares usernames case-insensitively) and satisfies
// LooksLikeUsername.
[[nodiscard]] std::optional<std::string> ParsePublicLink(std::string_view text);

// The shape of a username as peers are referred to: 4-32 characters of [A-Za-z0-9_] starting with
// a letter. Deliberately looser than Telegram's rule for new usernames (5+ characters, no "__",
// no trailing '_'): short collectible usernames exist, and whether a name is acceptable for
// channels.updateUsername is the server's call (USERNAME_INVALID), not ours.
[[nodiscard]] bool LooksLikeUsername(std::string_view username);

// The canonical link for an invite hash: "https://t.me/+HASH".
[[nodiscard]] std::string InviteLinkForHash(std::string_view hash);

}  // namespace mtproto::engine
