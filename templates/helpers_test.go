package templates

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/i18n"
)

// User text inside a sentence is isolated wherever the directions may
// mix, and left as it is where they cannot (left-to-right text on a
// left-to-right page), so those pages do not change.
func TestIsolate(t *testing.T) {
	en := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	ar := WithEnv(context.Background(), &Env{Lang: i18n.AR})
	const fsi, pdi = "\u2068", "\u2069"
	for _, tt := range []struct{ got, want string }{
		{at(en, "metro"), "@metro"},
		{isolate(en, "Metro"), "Metro"},
		{isolate(en, "نقل المدينة"), fsi + "نقل المدينة" + pdi},
		{isolate(en, ""), ""},
		{at(ar, "citytransit"), fsi + "@citytransit" + pdi},
		{isolate(ar, "12"), fsi + "12" + pdi},
		{isolateList(ar, []string{"12", "7A"}), fsi + "12" + pdi + ", " + fsi + "7A" + pdi},
		{isolateList(en, []string{"12", "7A"}), "12, 7A"},
		{back(en, "Metro"), "← Metro"},
		{back(ar, "Metro"), "→ " + fsi + "Metro" + pdi},
		{i18n.T(i18n.AR, "notices.title", at(ar, "metro")), "إشعارات " + fsi + "@metro" + pdi},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// A label before its value takes the language's colon: a half-width one
// and a space, or in Chinese the full-width one alone.
func TestLabel(t *testing.T) {
	for _, tt := range []struct {
		l    i18n.Lang
		want string
	}{
		{i18n.EN, i18n.T(i18n.EN, "notices.status") + ": "},
		{i18n.ES, i18n.T(i18n.ES, "notices.status") + ": "},
		{i18n.ZHHans, i18n.T(i18n.ZHHans, "notices.status") + "："},
		{i18n.ZHHant, i18n.T(i18n.ZHHant, "notices.status") + "："},
	} {
		if got := label(WithEnv(context.Background(), &Env{Lang: tt.l}), "notices.status"); got != tt.want {
			t.Errorf("%s: label = %q, want %q", tt.l, got, tt.want)
		}
	}
}

// An audit entry of a channel switched on or off names the channel and
// what happened in the reader's language, instead of the stored
// "telegram on".
func TestAuditDetailOfAChannel(t *testing.T) {
	en := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	zh := WithEnv(context.Background(), &Env{Lang: i18n.ZHHans})
	for _, tt := range []struct {
		ctx          context.Context
		detail, want string
	}{
		{en, "telegram on", "(Telegram turned on)"},
		{en, "wechat off", "(WeChat turned off)"},
		{en, "webpush on", "(Browser notifications turned on)"},
		{zh, "telegram on", "（已开启Telegram）"},
		{en, "pigeon on", "pigeon on"},
		{en, "telegram maybe", "telegram maybe"},
		{en, "editor", i18n.T(i18n.EN, "role.editor")},
	} {
		if got := auditDetail(tt.ctx, tt.detail); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.detail, got, tt.want)
		}
	}
}
