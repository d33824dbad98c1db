package invitegate

// Invite-link parsing, the same grammar as the server's (mtproto/engine/invite_link.h).
// Spec: https://core.telegram.org/api/invites#invite-links
//
// Accepted, host and scheme compared case-insensitively, the hash keeping its case:
//
//	[http[s]://][www.](t.me|telegram.me|telegram.dog)/+HASH
//	[http[s]://][www.](t.me|telegram.me|telegram.dog)/joinchat/HASH
//
// optionally followed by "/", "?query" or "#fragment"; a bare "+HASH"; and tg://join?invite=HASH.
// HASH is [A-Za-z0-9_-]+. A bare HASH without '+' is refused: it cannot be told from a username.

import (
	"regexp"
	"strings"
)

var (
	hashRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	hostRE   = regexp.MustCompile(`(?i)^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/`)
	tgJoinRE = regexp.MustCompile(`(?i)^tg://join/?\?`)
)

// ParseInviteLink returns the invite hash in text, and false when text is not an invite link.
func ParseInviteLink(text string) (string, bool) {
	// The server trims spaces, tabs and line ends only (not every Unicode space).
	text = strings.Trim(text, " \t\r\n")
	if m := tgJoinRE.FindStringIndex(text); m != nil {
		query := text[m[1]:]
		if i := strings.IndexByte(query, '#'); i >= 0 {
			query = query[:i]
		}
		for _, pair := range strings.Split(query, "&") {
			if key, value, ok := strings.Cut(pair, "="); ok && key == "invite" {
				return value, hashRE.MatchString(value)
			}
		}
		return "", false
	}
	var path string
	if m := hostRE.FindStringIndex(text); m != nil {
		path = text[m[1]:]
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
	} else if strings.HasPrefix(text, "+") {
		path = text
	} else {
		return "", false
	}
	path = strings.TrimSuffix(path, "/")
	switch {
	case strings.HasPrefix(path, "+"):
		path = path[1:]
	case len(path) >= 9 && strings.EqualFold(path[:9], "joinchat/"):
		path = path[9:]
	default:
		return "", false
	}
	if !hashRE.MatchString(path) {
		return "", false
	}
	return path, true
}

// InviteLinkForHash returns the canonical link for a hash: https://t.me/+HASH.
func InviteLinkForHash(hash string) string { return "https://t.me/+" + hash }
