package sms_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	smscore "github.com/plazahq/plaza/sms"
)

func TestText(t *testing.T) {
	const link = "https://plaza.example.org/n/42"
	long := strings.Repeat("Buses run via Park Road until 6 pm. ", 40)
	longZH := strings.Repeat("巴士改经公园路行驶至下午六时。", 40)
	tests := []struct {
		name       string
		c          broadcast.Content
		lang       i18n.Lang
		encoding   string
		segments   int
		stop, head string
		cut        bool
	}{
		{"short English", broadcast.Content{Subject: "Line 12 diverted", Text: "Via Park Road.", URL: link}, i18n.EN,
			smscore.GSM7, 1, "Reply STOP to unsubscribe", "Line 12 diverted\nVia Park Road.", false},
		{"long English is cut to three segments", broadcast.Content{Subject: "Line 12 diverted", Text: long, URL: link}, i18n.EN,
			smscore.GSM7, 3, "Reply STOP to unsubscribe", "Line 12 diverted\nBuses run", true},
		{"Chinese is UCS-2", broadcast.Content{Subject: "12号线改道", Text: longZH, URL: link}, i18n.ZHHans,
			smscore.UCS2, 3, "回复 STOP 退订", "12号线改道\n巴士改经", true},
		{"what to do comes before the text, which is cut first", broadcast.Content{Subject: "Flood warning", Text: long + "\n\nWhat to do: Go to the school.",
			WhatToDo: "What to do: Go to the school.", URL: link}, i18n.EN,
			smscore.GSM7, 3, "Reply STOP to unsubscribe", "Flood warning\nWhat to do: Go to the school.\nBuses run", true},
		{"the opt-out is in the follower's language", broadcast.Content{Subject: "Line 12 diverted", Text: "Via Park Road.", URL: link}, i18n.ES,
			smscore.GSM7, 1, "Responda STOP para darse de baja", "Line 12 diverted", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sms.Text(&tt.c, tt.lang)
			fit := smscore.Fit(got)
			if fit.Encoding != tt.encoding || fit.Segments != tt.segments {
				t.Fatalf("%s in %d segments, want %s in %d: %q", fit.Encoding, fit.Segments, tt.encoding, tt.segments, got)
			}
			if !strings.HasSuffix(got, "\n"+link+"\n"+tt.stop) || !strings.HasPrefix(got, tt.head) {
				t.Fatalf("text %q", got)
			}
			if cut := strings.Contains(got, "…") || strings.Contains(got, "..."); cut != tt.cut {
				t.Fatalf("cut %v: %q", cut, got)
			}
			// A cut text is the longest that fits: one more character
			// would need another segment.
			if tt.cut && smscore.Fit(got+"x").Segments <= sms.MaxSegments && tt.encoding == smscore.GSM7 {
				t.Fatalf("cut shorter than it needs to be: %d characters", len(got))
			}
		})
	}
}

func TestClient(t *testing.T) {
	api := smstest.NewAPI("AC0123456789abcdef", "auth-token-1")
	defer api.Close()
	cl := sms.NewClient(&http.Client{})
	ctx := context.Background()
	acc := sms.Account{Base: api.URL, SID: api.SID, Token: api.Token}

	if i, err := cl.Fetch(ctx, acc); err != nil || i.SID != api.SID {
		t.Fatalf("fetch: %+v %v", i, err)
	}
	var e *sms.APIError
	if _, err := cl.Fetch(ctx, sms.Account{Base: api.URL, SID: api.SID, Token: "wrong"}); !errors.As(err, &e) || e.Status != 401 || e.Code != 20003 {
		t.Fatalf("wrong token: %v", err)
	}
	s, err := cl.Send(ctx, acc, "+85291234567", "+85221234567", "hello", "https://plaza.example.org/bridge/sms/metro/status")
	if err != nil || !strings.HasPrefix(s.SID, "SM") || s.Status != "queued" {
		t.Fatalf("send: %+v %v", s, err)
	}
	api.Throttle(1, 3)
	_, err = cl.Send(ctx, acc, "+85291234567", "+85221234567", "hello", "")
	if !errors.As(err, &e) || !e.Throttled() || e.RetryAfter != 3*time.Second {
		t.Fatalf("throttled: %v", err)
	}
	api.Refuse(400, 21211)
	if _, err = cl.Send(ctx, acc, "+85291234567", "+85221234567", "hello", ""); !errors.As(err, &e) || e.Status != 400 || e.Code != 21211 {
		t.Fatalf("refused: %v", err)
	}
	sent := api.Sent()
	if len(sent) != 1 || sent[0].To != "+85291234567" || sent[0].From != "+85221234567" || sent[0].Body != "hello" ||
		sent[0].StatusCallback != "https://plaza.example.org/bridge/sms/metro/status" {
		t.Fatalf("sent %+v", sent)
	}
	cb := api.Callback(sent[0], sms.StatusDelivered, 0)
	if cb.URL != sent[0].StatusCallback || !smscore.Verify(api.Token, cb.URL, cb.Form, cb.Signature) || cb.Form.Get("MessageSid") != s.SID {
		t.Fatalf("callback %+v", cb)
	}
}

func TestSettings(t *testing.T) {
	sc := sms.SettingsSchema
	tests := []struct {
		name   string
		values map[string]string
		bad    []string
		want   map[string]string
	}{
		{"defaults", map[string]string{sms.FieldSID: "AC1", sms.FieldToken: "t0k", sms.FieldFrom: "2123 4567", sms.FieldRegion: "hk"}, nil,
			map[string]string{sms.FieldBase: sms.DefaultBase, sms.FieldFrom: "+85221234567", sms.FieldRegion: "HK", sms.FieldRate: "1"}},
		{"another provider", map[string]string{sms.FieldBase: "https://sms.example.org/2010-04-01/", sms.FieldSID: "AC1", sms.FieldToken: "t0k",
			sms.FieldFrom: "+85221234567", sms.FieldRate: "10"}, nil,
			map[string]string{sms.FieldBase: "https://sms.example.org/2010-04-01", sms.FieldRate: "10"}},
		{"everything wrong", map[string]string{sms.FieldBase: "ftp://x", sms.FieldSID: "A C", sms.FieldToken: "a b",
			sms.FieldFrom: "12", sms.FieldRegion: "HKG", sms.FieldRate: "0"},
			[]string{sms.FieldBase, sms.FieldSID, sms.FieldToken, sms.FieldFrom, sms.FieldRegion, sms.FieldRate}, nil},
		{"a keyword", map[string]string{sms.FieldSID: "AC1", sms.FieldToken: "t0k", sms.FieldFrom: "+85221234567", sms.FieldKeyword: " Metro12 "}, nil,
			map[string]string{sms.FieldKeyword: "Metro12"}},
		{"a Chinese keyword", map[string]string{sms.FieldSID: "AC1", sms.FieldToken: "t0k", sms.FieldFrom: "+85221234567", sms.FieldKeyword: "地铁"}, nil,
			map[string]string{sms.FieldKeyword: "地铁"}},
	}
	// A keyword that is not one word of letters and digits, or that is a
	// command already in one of the five languages, is refused.
	for _, kw := range []string{"two words", "metro!", strings.Repeat("m", 21), "STOP", "start", "Help", "关注", "退订", "TD", "幫助",
		"ayuda", "Opinion", "متابعة", "cancel", "quit", "yes", "skip", "确认"} {
		tests = append(tests, struct {
			name   string
			values map[string]string
			bad    []string
			want   map[string]string
		}{"keyword " + kw, map[string]string{sms.FieldSID: "AC1", sms.FieldToken: "t0k", sms.FieldFrom: "+85221234567", sms.FieldKeyword: kw},
			[]string{sms.FieldKeyword}, nil})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &bridge.Settings{Enabled: true, Values: tt.values}
			v := &models.ValidationError{}
			sc.Validate(cs, v)
			for _, f := range tt.bad {
				if _, ok := v.Fields[f]; !ok {
					t.Errorf("%s accepted: %v", f, v.Fields)
				}
			}
			if len(tt.bad) == 0 && len(v.Fields) > 0 {
				t.Fatalf("refused: %v", v.Fields)
			}
			for k, want := range tt.want {
				if got := cs.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}
