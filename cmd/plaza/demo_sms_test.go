package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smssink"
	bwebpush "github.com/plazahq/plaza/bridge/webpush"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	smscore "github.com/plazahq/plaza/sms"
	"github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/pushsink"
)

// TestDemoSMSAndWebPush: the demo gives @citytransit an SMS channel on
// the local provider and SMS and browser followers on the local push
// service, prints how to reach them, and a running Plaza allowed to reach
// loopback sends a notice to every one of them through the sinks.
func TestDemoSMSAndWebPush(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		var mu sync.Mutex
		// Every text and push each receiver got: the demo's own notices
		// go out beside the one this test publishes, in any order.
		texts := map[string][]string{}
		pushes := map[string][]string{}
		smsSink, err := smssink.Start("127.0.0.1:0", func(m smssink.Message) {
			mu.Lock()
			defer mu.Unlock()
			texts[m.To] = append(texts[m.To], m.Body)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { smsSink.Close() })
		pushSink, err := pushsink.Start("127.0.0.1:0", func(m pushsink.Message) {
			mu.Lock()
			defer mu.Unlock()
			var p bwebpush.Payload
			if m.DecryptErr != nil || json.Unmarshal(m.Payload, &p) != nil {
				t.Errorf("push to %s: %v %q", m.Endpoint, m.DecryptErr, m.Payload)
			}
			pushes[m.Endpoint] = append(pushes[m.Endpoint], p.Title)
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pushSink.Close() })

		const base = "http://demo.example.org"
		d := demoJSON(t, dbURL, base, "--sms-url", smsSink.URL(), "--push-url", pushSink.URL())
		s, p := d.SMS, d.WebPush
		if s.Account != "citytransit" || s.Number != "+85221234567" || s.ProviderURL != smsSink.URL() || s.AuthToken == "" ||
			s.InboundURL != base+"/bridge/sms/citytransit" || len(s.Followers) != 6 || d.OutboundAllow != "127.0.0.1" ||
			s.Sink != fmt.Sprintf("go run ./cmd/plaza smssink --addr %s --inbound %s --token %s --number %s", smsSink.Addr(), s.InboundURL, s.AuthToken, s.Number) {
			t.Fatalf("sms: %+v", s)
		}
		for _, n := range s.Followers {
			if e164, err := smscore.Normalize(n, ""); err != nil || e164 != n || !strings.HasPrefix(n, "+852") {
				t.Fatalf("SMS follower %q is not a Hong Kong number in E.164: %v", n, err)
			}
		}
		if p.Account != "citytransit" || p.PushURL != pushSink.URL() || len(p.Endpoints) != 3 || p.Sink != "go run ./cmd/plaza pushsink --addr "+pushSink.Addr() {
			t.Fatalf("webpush: %+v", p)
		}
		db, store := openStore(t, dbURL)
		var langs []string
		if err := db.Gorm.Raw(`SELECT DISTINCT language FROM followers WHERE channel = 'sms' ORDER BY language`).Scan(&langs).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Join(langs, ",") != "en,es,zh-Hans,zh-Hant" {
			t.Fatalf("SMS followers' languages: %v", langs)
		}
		// Running it again adds nobody.
		demoJSON(t, dbURL, base, "--sms-url", smsSink.URL(), "--push-url", pushSink.URL())
		var perChannel []struct {
			Channel string
			N       int
		}
		db.Gorm.Raw(`SELECT channel, COUNT(*) AS n FROM followers WHERE channel IN ('sms', 'webpush') GROUP BY channel ORDER BY channel`).Scan(&perChannel)
		if fmt.Sprint(perChannel) != "[{sms 6} {webpush 3}]" {
			t.Fatalf("followers after two runs: %v", perChannel)
		}

		// The demo's secrets are sealed with the key it kept in the
		// database: the server uses the same one.
		// The demo's riders on WeChat and Telegram get the notice too;
		// their made-up credentials are refused by the platforms, here at
		// once by a stand-in rather than over the internet.
		platforms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if strings.HasPrefix(r.URL.Path, "/bot") {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
				return
			}
			fmt.Fprint(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
		}))
		t.Cleanup(platforms.Close)
		a := apptest.StartWith(t, dbURL, func(cfg *config.Config) {
			cfg.SecretKey = ""
			cfg.WeChatAPI, cfg.TelegramAPI = platforms.URL, platforms.URL
		})
		a.StartWorkers(t)
		b, err := benchutil.Publish(t.Context(), store, a.Notices, "owner@transit.demo.plaza.test", "citytransit",
			notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Tram depot open day", "body", "Saturday 10–16.")})
		if err != nil {
			t.Fatal(err)
		}
		if !apptest.Eventually(20*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, f := range s.Followers {
				if slices.ContainsFunc(texts[f], func(b string) bool { return strings.Contains(b, "Tram depot open day") }) {
					n++
				}
			}
			for _, e := range p.Endpoints {
				if slices.Contains(pushes[e], "Tram depot open day") {
					n++
				}
			}
			return n == len(s.Followers)+len(p.Endpoints)
		}) {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("the notice did not reach every SMS and browser follower: texts %v, pushes %v", texts, pushes)
		}
		// A receiver has a message before Plaza has its answer and records
		// it: the counts are read once the broadcast has finished.
		var done models.Broadcast
		if !apptest.Eventually(20*time.Second, func() bool {
			return store.DB().First(&done, b.ID).Error == nil && done.Status == models.BroadcastDone
		}) {
			t.Fatalf("broadcast not finished: %+v", done)
		}
		pr, err := a.BroadcastService.OrgProgress(t.Context(), ownerOf(t, a, store), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"sms": 6, "webpush": 3}
		for _, c := range pr.Channels {
			if n, ok := want[c.Channel]; ok && c.Sent != n {
				t.Errorf("%s: %+v", c.Channel, c)
			}
		}
	})
}

// ownerOf is the transit authority's owner as a member.
func ownerOf(t *testing.T, a *apptest.App, store *models.Store) *models.Member {
	t.Helper()
	var u models.User
	var acc models.Account
	if err := store.DB().Where("email = ?", "owner@transit.demo.plaza.test").First(&u).Error; err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Where("handle = ?", "citytransit").First(&acc).Error; err != nil {
		t.Fatal(err)
	}
	m, err := a.Orgs.MemberOf(t.Context(), &u, acc.OrganizationID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDemoSMSFollowers: --followers N --channel sms adds N distinct
// mobile numbers in E.164, once; bad flags are usage errors.
func TestDemoSMSFollowers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		d := demoJSON(t, dbURL, "http://demo.example.org", "--followers", "25", "--channel", "sms")
		// A load-test demo's SMS followers are the generated ones, and it
		// has no browser followers to hold its broadcasts up.
		if d.Generated != 25 || len(d.SMS.Followers) != 0 || len(d.WebPush.Endpoints) != 0 || d.SMS.ProviderURL != "http://127.0.0.1:1026" {
			t.Fatalf("generated %d, sms %+v, webpush %+v", d.Generated, d.SMS, d.WebPush)
		}
		res := plaza(t, "", "demo", "--json", "--database-url", dbURL, "--followers", "25", "--channel", "sms")
		if res.code != 0 || strings.Contains(res.stdout, "generated_followers") {
			t.Fatalf("second run: %s", res)
		}
		db, _ := openStore(t, dbURL)
		var numbers []string
		if err := db.Gorm.Raw(`SELECT address FROM followers WHERE channel = 'sms' AND address LIKE '+8526%' ORDER BY address`).Scan(&numbers).Error; err != nil {
			t.Fatal(err)
		}
		if len(numbers) != 25 || numbers[0] != "+85260100001" || numbers[24] != "+85260100025" {
			t.Fatalf("generated %d: %v", len(numbers), numbers)
		}
		for _, n := range numbers {
			if e164, err := smscore.Normalize(n, ""); err != nil || e164 != n {
				t.Fatalf("%q is not E.164: %v", n, err)
			}
		}
	})
	dbURL := apptest.SQLiteURL(t)
	for _, args := range [][]string{
		{"--channel", "fax"},
		{"--followers", "5900000", "--channel", "sms"},
		{"--sms-url", "not a url"},
		{"--push-url", "ftp://127.0.0.1"},
	} {
		if res := plaza(t, "", append([]string{"demo", "--database-url", dbURL}, args...)...); res.code != 2 {
			t.Errorf("demo %v: %s", args, res)
		}
	}
}

// TestDemoEmailFollowers: --followers N --channel email adds N active,
// confirmed e-mail followers at an address no real server receives, in
// the account's languages.
func TestDemoEmailFollowers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		d := demoJSON(t, dbURL, "http://demo.example.org", "--followers", "30", "--channel", "email")
		if d.Generated != 30 {
			t.Fatalf("generated %d", d.Generated)
		}
		db, _ := openStore(t, dbURL)
		var rows []struct {
			Address, Language, Status string
			Confirmed                 bool
		}
		if err := db.Gorm.Raw(`SELECT address, language, status, confirmed_at IS NOT NULL AS confirmed FROM followers
			WHERE channel = 'email' AND address LIKE 'reader%@bench.invalid' ORDER BY id`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 30 || rows[0].Address != "reader1@bench.invalid" || rows[29].Address != "reader30@bench.invalid" {
			t.Fatalf("generated %d: %+v", len(rows), rows)
		}
		langs := map[string]int{}
		for _, r := range rows {
			if r.Status != models.StatusActive || !r.Confirmed {
				t.Fatalf("generated follower %+v", r)
			}
			langs[r.Language]++
		}
		if langs["en"] != 20 || langs["zh-Hans"] != 10 {
			t.Fatalf("languages %v", langs)
		}
	})
}

// runSink starts a sink command in-process and returns its address, its
// output and a stop function that returns its exit code.
func runSink(t *testing.T, stdin string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, args, env{stdin: strings.NewReader(stdin), stdout: out, stderr: out, getenv: noEnv})
	}()
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	if !apptest.Eventually(5*time.Second, func() bool {
		m := listening.FindStringSubmatch(out.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}) {
		cancel()
		t.Fatalf("%v did not start: %s", args, out)
	}
	return addr, out, func() int { cancel(); return <-code }
}

// TestSinkCommands: `plaza smssink` prints the texts the SMS channel's
// client sends it and posts typed texts to Plaza signed; `plaza pushsink`
// prints the demo subscriptions' notifications decrypted.
func TestSinkCommands(t *testing.T) {
	// A stand-in for Plaza's inbound URL that checks the signature.
	var mu sync.Mutex
	var inbound []string
	var plazaURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if !smscore.Verify("tok", plazaURL+r.URL.RequestURI(), r.PostForm, r.Header.Get("X-Twilio-Signature")) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		mu.Lock()
		inbound = append(inbound, r.PostForm.Get("From")+" → "+r.PostForm.Get("To")+": "+r.PostForm.Get("Body"))
		mu.Unlock()
	}))
	defer srv.Close()
	plazaURL = srv.URL
	addr, out, stop := runSink(t, "+85291230001 Is line 12 running?\nhello\n", "smssink", "--addr", "127.0.0.1:0",
		"--inbound", srv.URL+"/bridge/sms/citytransit", "--token", "tok", "--number", "+85221234567")
	c := sms.NewClient(http.DefaultClient)
	if _, err := c.Send(t.Context(), sms.Account{Base: "http://" + addr, SID: "ACdemo", Token: "x"}, "+85291230002", "+85221234567", "Line 12 diverted", ""); err != nil {
		t.Fatal(err)
	}
	if !apptest.Eventually(5*time.Second, func() bool {
		return strings.Contains(out.String(), "from +85221234567 to +85291230002 (1 segments, GSM-7)\nLine 12 diverted") &&
			strings.Contains(out.String(), "Texted +85221234567 from +85291230001.")
	}) {
		t.Fatalf("smssink printed: %s", out)
	}
	if !strings.Contains(out.String(), "Write the sender's number in E.164") {
		t.Errorf("a line without a number: %s", out)
	}
	mu.Lock()
	if len(inbound) != 1 || inbound[0] != "+85291230001 → +85221234567: Is line 12 running?" {
		t.Errorf("Plaza got %v", inbound)
	}
	mu.Unlock()
	if code := stop(); code != 0 {
		t.Fatalf("smssink exited %d: %s", code, out)
	}

	addr, out, stop = runSink(t, "", "pushsink", "--addr", "127.0.0.1:0")
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	sub, err := pushsink.DemoSubscriber("http://"+addr, 2)
	if err != nil {
		t.Fatal(err)
	}
	res := bwebpush.New(keys, "mailto:ops@plaza.test", http.DefaultClient, nil).Send(t.Context(), &broadcast.Message{
		Content: &broadcast.Content{NoticeID: 5, Subject: "Line 12 diverted", Text: "Via Park Road.", URL: "http://plaza.test/@citytransit/notices/5"},
		To:      broadcast.Recipient{FollowerID: 1, Channel: "webpush", Address: pushsink.Address(sub.Subscription), Language: "en"}, Attempt: 1})
	if res.Outcome != broadcast.Sent {
		t.Fatalf("push: %+v", res)
	}
	if !apptest.Eventually(5*time.Second, func() bool {
		return strings.Contains(out.String(), "=== push to http://"+addr+"/push/demo-2") &&
			strings.Contains(out.String(), "Line 12 diverted\nVia Park Road.\nhttp://plaza.test/@citytransit/notices/5")
	}) {
		t.Fatalf("pushsink printed: %s", out)
	}
	if code := stop(); code != 0 {
		t.Fatalf("pushsink exited %d: %s", code, out)
	}
	if res := plaza(t, "", "smssink", "--inbound", "http://x"); res.code != 2 {
		t.Errorf("--inbound without a token: %s", res)
	}
}
