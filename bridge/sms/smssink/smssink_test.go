package smssink_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smssink"
	smscore "github.com/plazahq/plaza/sms"
)

// TestSinkTakesWhatTheChannelSends: the SMS channel's own client sends to
// the sink as to a provider, and the sink hands over each message with
// its segments; its refusals are the provider's.
func TestSinkTakesWhatTheChannelSends(t *testing.T) {
	var mu sync.Mutex
	var got []smssink.Message
	sink, err := smssink.Start("127.0.0.1:0", func(m smssink.Message) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	c := sms.NewClient(http.DefaultClient)
	acct := sms.Account{Base: sink.URL() + "/2010-04-01", SID: "ACdemo", Token: "secret"}
	ctx := context.Background()
	if info, err := c.Fetch(ctx, acct); err != nil || info.SID != "ACdemo" {
		t.Fatalf("account: %+v %v", info, err)
	}
	long := strings.Repeat("Line 12 diverted via Park Road. ", 6)
	for _, to := range []string{"+85291230001", "+85291230002"} {
		s, err := c.Send(ctx, acct, to, "+85221234567", long, "http://plaza.test/bridge/sms/metro/status?d=7-42")
		if err != nil || !strings.HasPrefix(s.SID, "SM") {
			t.Fatalf("send: %+v %v", s, err)
		}
	}
	var apiErr *sms.APIError
	if _, err := c.Send(ctx, acct, "85291230001", "+85221234567", "hi", ""); !errors.As(err, &apiErr) || apiErr.Code != 21211 {
		t.Fatalf("a number without +: %v", err)
	}
	if len(got) != 2 || got[1].To != "+85291230002" || got[0].From != "+85221234567" || got[0].Body != long ||
		got[0].Segments != smscore.Fit(long).Segments || got[0].Segments != 2 || got[0].Encoding != smscore.GSM7 ||
		got[0].DeliveryID() != "7-42" || got[0].SID == got[1].SID {
		t.Fatalf("got %+v", got)
	}
}

// TestText: a typed text reaches Plaza as the provider posts it, signed
// over the URL with the account's token.
func TestText(t *testing.T) {
	var form map[string]string
	var valid bool
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		valid = smscore.Verify("tok", srvURL+r.URL.RequestURI(), r.PostForm, r.Header.Get("X-Twilio-Signature"))
		form = map[string]string{"From": r.PostForm.Get("From"), "To": r.PostForm.Get("To"), "Body": r.PostForm.Get("Body")}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	srvURL = srv.URL
	status, err := smssink.Text(context.Background(), srv.Client(), srv.URL+"/bridge/sms/citytransit", "tok", "+85291230001", "+85221234567", "STOP", 1)
	if err != nil || status != 200 || !valid || form["From"] != "+85291230001" || form["To"] != "+85221234567" || form["Body"] != "STOP" {
		t.Fatalf("text: %d %v, signature valid %v, form %v", status, err, valid, form)
	}
}

func TestRefusal(t *testing.T) {
	for _, tt := range []struct {
		form url.Values
		code int
	}{
		{url.Values{"To": {"+85291234567"}, "From": {"+85221234567"}, "Body": {"hi"}}, 0},
		{url.Values{"To": {"91234567"}, "From": {"+85221234567"}, "Body": {"hi"}}, 21211},
		{url.Values{"To": {"+85291234567"}, "Body": {"hi"}}, 21603},
		{url.Values{"To": {"+85291234567"}, "From": {"+85221234567"}}, 21602},
	} {
		if code, msg := smssink.Refusal(tt.form); code != tt.code || (code != 0) != (msg != "") {
			t.Errorf("Refusal(%v) = %d %q, want %d", tt.form, code, msg, tt.code)
		}
	}
}
