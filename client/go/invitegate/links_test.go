package invitegate

import (
	"encoding/json"
	"os"
	"testing"
)

// The vectors shared with the Python and Node bindings (they mirror the server's own tests).
func TestParseInviteLinkSharedVectors(t *testing.T) {
	data, err := os.ReadFile("../testdata/invite_links.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Accept [][2]string
		Refuse []string
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors.Accept {
		if got, ok := ParseInviteLink(v[0]); !ok || got != v[1] {
			t.Errorf("ParseInviteLink(%q) = %q, %v; want %q", v[0], got, ok, v[1])
		}
	}
	for _, text := range vectors.Refuse {
		if got, ok := ParseInviteLink(text); ok {
			t.Errorf("ParseInviteLink(%q) = %q; want a refusal", text, got)
		}
	}
	if got, _ := ParseInviteLink(InviteLinkForHash("x-Y_z")); got != "x-Y_z" {
		t.Errorf("round trip: %q", got)
	}
}

func TestParseInviteLinkSurvivesGarbage(t *testing.T) {
	var s []byte
	for i := 0; i < 2000; i++ {
		s = append(s, byte(i*7919))
		ParseInviteLink(string(s))
		ParseInviteLink("https://t.me/+" + string(s))
	}
}
