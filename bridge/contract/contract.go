// Package contract is the test suite every channel passes: Run starts
// Plaza with the channel registered and checks, on both databases, that
// its settings make the round trip through models/channel with the
// secrets sealed, that it sends one message and a batch, replies, tests
// its connection, and that its inbound endpoint takes the platform's
// signed requests and refuses forged ones.
package contract

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// Case is one channel under test, with a stand-in for its platform.
type Case struct {
	// Name is the channel's name.
	Name string
	// Configure points Plaza at the platform's stand-in (may be nil).
	Configure func(*config.Config)
	// Register registers a channel that is not one of app's own (nil for
	// those): the one line a new channel adds to app.Channels.
	Register func(r *bridge.Registry, d app.ChannelDeps)
	// Settings are valid settings to save through the channel's schema,
	// enabled. A channel without a schema (the webhook) saves its own
	// with Save instead.
	Settings map[string]string
	// Save stores the settings some other way and returns the secrets
	// that must never be stored in clear.
	Save func(t *testing.T, a *apptest.App, owner *models.Member, acc *models.Account) []string
	// Address is a follower's address on the platform.
	Address string
	// Delivered counts the messages the platform has received from a.
	Delivered func(a *apptest.App) int
	// Follow posts to url the platform's request that person n followed,
	// signed (or forged), and returns the status and the person's address.
	Follow func(t *testing.T, a *apptest.App, url string, n int, forged bool) (status int, from string)
}

// Run checks the channel newCase describes against the contract, on
// each database; newCase is called once for each, so that each run has
// its own stand-in platform.
func Run(t *testing.T, newCase func(t *testing.T) Case) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		c := newCase(t)
		a := apptest.StartOptions(t, dbURL, c.Configure, func(o *app.Options) { o.Register = c.Register })
		f := apptest.Seed(t, a)
		ch := a.Registry.Get(c.Name)
		if ch == nil {
			t.Fatalf("channel %s is not registered", c.Name)
		}
		owner, acc := f.Member(models.RoleOwner), f.Account
		studioForm(t, a, ch, c, f)
		secrets := roundTrip(t, a, ch, c, owner, acc)
		sealed(t, a, c.Name, acc.ID, secrets)
		sending(t, a, ch, c, acc)
		testing_(t, a, ch, owner, acc)
		inbound(t, a, ch, c, acc)
	})
}

// studioForm saves the settings through the chat page's form, drawn
// from the schema like every channel's.
func studioForm(t *testing.T, a *apptest.App, ch bridge.Channel, c Case, f *apptest.Fixtures) {
	t.Helper()
	sc := ch.Schema()
	if len(sc.Fields) == 0 {
		return
	}
	owner := a.Client(t)
	owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
	page := fmt.Sprintf("/studio/orgs/%d/accounts/%s/chat", f.Org.ID, f.Account.Handle)
	r := owner.Get(page)
	title := cmp.Or(sc.Title, "channel."+c.Name)
	if r.Status != 200 || !strings.Contains(r.Body, html.EscapeString(i18n.T(i18n.EN, title))) {
		t.Fatalf("the chat page has no %s panel: %s", c.Name, r)
	}
	form := url.Values{"enabled": {"on"}}
	for _, fd := range sc.Fields {
		if fd.Kind != channel.Hidden && !strings.Contains(r.Body, `name="`+fd.Name+`"`) {
			t.Errorf("the %s form has no %s field", c.Name, fd.Name)
		}
		if v := c.Settings[fd.Name]; v != "" {
			if fd.Kind == channel.Bool {
				v = "on"
			}
			form.Set(fd.Name, v)
		}
	}
	if r := owner.Post(page+"/"+c.Name, form); r.Status != 303 {
		t.Fatalf("save the %s form: %s", c.Name, r)
	}
	got, err := a.Channels.Of(context.Background(), f.Account.ID, c.Name)
	if err != nil || !got.Enabled {
		t.Fatalf("the form saved nothing: %+v %v", got, err)
	}
	for k, v := range c.Settings {
		if got.Get(k) != v {
			t.Errorf("the form saved %s = %q, want %q", k, got.Get(k), v)
		}
	}
}

// roundTrip saves the case's settings and reads them back unchanged.
func roundTrip(t *testing.T, a *apptest.App, ch bridge.Channel, c Case, owner *models.Member, acc *models.Account) []string {
	t.Helper()
	ctx := context.Background()
	if c.Save != nil {
		return c.Save(t, a, owner, acc)
	}
	sc := ch.Schema()
	if len(sc.Fields) == 0 {
		t.Fatalf("%s has no settings fields and the case no Save", c.Name)
	}
	if err := a.Channels.Save(ctx, owner, acc, c.Name, sc, bridge.Settings{Enabled: true, Values: c.Settings}); err != nil {
		t.Fatalf("save settings: %v", err)
	}
	got, err := a.Channels.Of(ctx, acc.ID, c.Name)
	if err != nil || !got.Enabled {
		t.Fatalf("read settings back: %+v %v", got, err)
	}
	var secrets []string
	for _, fd := range sc.Fields {
		want := c.Settings[fd.Name]
		if want != "" && got.Get(fd.Name) != want {
			t.Errorf("settings round trip: %s = %q, want %q", fd.Name, got.Get(fd.Name), want)
		}
		if fd.Secret && got.Get(fd.Name) != "" {
			secrets = append(secrets, got.Get(fd.Name))
		}
	}
	// The page's copy never holds a write-only secret.
	page, err := a.Channels.For(ctx, owner, acc, c.Name, sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range sc.Fields {
		if fd.WriteOnly && page.Get(fd.Name) != "" {
			t.Errorf("the settings page holds the write-only %s", fd.Name)
		}
	}
	return secrets
}

// sealed checks the stored row holds none of the secrets in clear.
func sealed(t *testing.T, a *apptest.App, name string, accountID int64, secrets []string) {
	t.Helper()
	if len(secrets) == 0 {
		t.Fatalf("%s stores no secret: the contract expects one (a key, a token)", name)
	}
	var row struct{ Config, Secret string }
	if err := a.DB.Gorm.Raw("SELECT config, secret FROM account_channels WHERE account_id = ? AND channel = ?", accountID, name).
		Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Secret == "" {
		t.Fatal("no sealed secret stored")
	}
	for _, s := range secrets {
		if strings.Contains(row.Config, s) || strings.Contains(row.Secret, s) {
			t.Errorf("secret %q stored in clear: %+v", s, row)
		}
	}
}

func message(acc *models.Account, to string, n int) *broadcast.Message {
	return &broadcast.Message{Attempt: 1, DeliveryID: fmt.Sprintf("contract-%d", n),
		To: broadcast.Recipient{FollowerID: int64(n), Channel: "", Address: to, Language: "en"},
		Content: &broadcast.Content{BroadcastID: 1, NoticeID: 1, Kind: broadcast.KindPublish, NoticeKind: "general", Language: "en",
			AccountID: acc.ID, AccountHandle: acc.Handle, AccountName: acc.Name, Subject: "Contract notice", Title: "Contract notice",
			Text: "A notice for the channel contract.", HTML: "<p>A notice for the channel contract.</p>", URL: "http://plaza.test/n/1"}}
}

// sending sends one message, a batch when the channel takes them, and a
// staff reply, each reaching the platform.
func sending(t *testing.T, a *apptest.App, ch bridge.Channel, c Case, acc *models.Account) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := c.Delivered(a)
	if r := ch.Send(ctx, message(acc, c.Address, 1)); r.Outcome != broadcast.Sent {
		t.Fatalf("send: %+v", r)
	}
	if got := c.Delivered(a); got != before+1 {
		t.Fatalf("send: the platform got %d messages, want 1", got-before)
	}
	if b, ok := ch.(bridge.Batcher); ok {
		before = c.Delivered(a)
		rs := b.SendBatch(ctx, []*broadcast.Message{message(acc, c.Address, 2), message(acc, c.Address, 3)})
		if len(rs) != 2 || rs[0].Outcome != broadcast.Sent || rs[1].Outcome != broadcast.Sent {
			t.Fatalf("batch: %+v", rs)
		}
		if got := c.Delivered(a); got <= before {
			t.Fatal("batch: the platform got nothing")
		}
	}
	before = c.Delivered(a)
	if err := ch.Reply(ctx, acc.ID, c.Address, "A staff reply."); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if got := c.Delivered(a); got != before+1 {
		t.Fatalf("reply: the platform got %d messages, want 1", got-before)
	}
}

// testing_ checks the connection test passes with the saved settings.
func testing_(t *testing.T, a *apptest.App, ch bridge.Channel, owner *models.Member, acc *models.Account) {
	t.Helper()
	ctx := context.Background()
	s, err := a.Channels.Credentials(ctx, owner, acc, ch.Name())
	if err != nil {
		t.Fatal(err)
	}
	who, err := ch.TestConnection(ctx, s)
	if err != nil || who == "" {
		t.Fatalf("test connection: %q %v", who, err)
	}
}

// inbound posts a signed follow, which makes a follower, and a forged
// one, which is refused and makes none.
func inbound(t *testing.T, a *apptest.App, ch bridge.Channel, c Case, acc *models.Account) {
	t.Helper()
	if _, ok := ch.(bridge.Receiver); !ok {
		return
	}
	if c.Follow == nil {
		t.Fatalf("%s receives, and the case has no Follow to post", c.Name)
	}
	url := a.URL + "/bridge/" + c.Name + "/" + acc.Handle
	ctx := context.Background()
	st, forger := c.Follow(t, a, url, 1, true)
	if st < 400 || st >= 500 {
		t.Fatalf("a forged request: %d", st)
	}
	if fl, err := a.Followers.ChatFollower(ctx, acc.ID, c.Name, forger); err != nil || fl != nil {
		t.Fatalf("a forged request made a follower: %+v %v", fl, err)
	}
	st, person := c.Follow(t, a, url, 2, false)
	if st != 200 {
		t.Fatalf("a signed follow: %d", st)
	}
	fl, err := a.Followers.ChatFollower(ctx, acc.ID, c.Name, person)
	if err != nil || fl == nil || fl.Status != models.StatusActive {
		t.Fatalf("the follow made no active follower: %+v %v", fl, err)
	}
}
