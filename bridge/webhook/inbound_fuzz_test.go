package webhook_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/models"
)

// FuzzWebhookMessage feeds the generic webhook's parser arbitrary bodies:
// it must never panic, and whatever it accepts must be safe to store.
func FuzzWebhookMessage(f *testing.F) {
	for _, seed := range []string{
		`{"id":"m1","from":"+85291234567","type":"message","text":"feedback"}`,
		`{"id":"e1","from":"x","type":"follow","scene":"stop-1042","language":"zh"}`,
		`{"from":"x","type":"unfollow"}`,
		`{"id":"m1","from":"x\u0000","text":"hi"}`,
		`{"id":1}`, `[]`, `null`, `{"from":"x","text":"a"}{}`, "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, status, problem := webhook.ParseMessage(body)
		if status != 0 {
			if problem == "" {
				t.Fatalf("refused with status %d and no reason", status)
			}
			return
		}
		if in.From == "" || utf8.RuneCountInString(in.From) > models.MaxChatAddress || strings.ContainsRune(in.From, 0) {
			t.Fatalf("accepted sender %q", in.From)
		}
		if len(in.MsgID) > models.MaxChatMsgID || strings.ContainsRune(in.MsgID+in.Scene, 0) || len(in.Scene) > 64 {
			t.Fatalf("accepted id %q scene %q", in.MsgID, in.Scene)
		}
		if utf8.RuneCountInString(in.Text) > models.MaxChatText {
			t.Fatalf("accepted %d characters", utf8.RuneCountInString(in.Text))
		}
		switch in.Kind {
		case bridge.KindText:
			if strings.TrimSpace(in.Text) == "" {
				t.Fatal("accepted an empty message")
			}
		case bridge.KindFollow, bridge.KindUnfollow:
		default:
			t.Fatalf("kind %q", in.Kind)
		}
	})
}
