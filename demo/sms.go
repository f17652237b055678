package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/webpush/pushsink"
)

// smsNumber is the transit account's SMS number (a Hong Kong fixed
// line, as an agency's short-code stand-in).
const smsNumber = "+85221234567"

// smsFollowers are the demo's SMS followers: Hong Kong mobile numbers in
// E.164, in the account's languages.
var smsFollowers = []struct{ number, lang string }{
	{"+85291230001", "en"}, {"+85291230002", "zh-Hant"}, {"+85291230003", "zh-Hans"},
	{"+85291230004", "es"}, {"+85291230005", "en"}, {"+85291230006", "zh-Hant"},
}

// pushLanguages are the languages of the demo's browser followers, one
// each.
var pushLanguages = []string{"en", "zh-Hans", "es"}

// smsChannel sets up the transit account's SMS channel on the local
// provider (`plaza smssink`) with a fresh auth token, and its SMS
// followers (none in a load-test demo). Sending to the sink needs
// PLAZA_OUTBOUND_ALLOW=127.0.0.1.
func smsChannel(ctx context.Context, followers *follower.Service, chans *channel.Service, owner *models.Member, a *models.Account, opts Options, res *Result) error {
	base := strings.TrimRight(opts.SMSURL, "/")
	if base == "" {
		base = DefaultSMSURL
	}
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	in := channel.Settings{Enabled: true, Values: map[string]string{sms.FieldBase: base, sms.FieldSID: "ACdemo" + a.Handle,
		sms.FieldToken: hex.EncodeToString(random), sms.FieldFrom: smsNumber, sms.FieldRegion: "HK", sms.FieldRate: "10"}}
	if err := chans.Save(ctx, owner, a, models.ChannelSMS, sms.SettingsSchema, in); err != nil {
		return fmt.Errorf("demo SMS channel: %w", err)
	}
	out := &SMS{Account: a.Handle, Number: smsNumber, ProviderURL: base, AccountSID: in.Get(sms.FieldSID),
		AuthToken: in.Get(sms.FieldToken), InboundURL: res.BaseURL + "/bridge/sms/" + a.Handle,
		Sink: "go run ./cmd/plaza smssink --addr " + hostPort(base) + " --inbound " + res.BaseURL + "/bridge/sms/" + a.Handle +
			" --token " + in.Get(sms.FieldToken) + " --number " + smsNumber}
	// A load-test demo's SMS followers are the ones it generates.
	seeded := smsFollowers
	if opts.Followers > 0 {
		seeded = nil
	}
	for i, f := range seeded {
		if _, err := followers.SeedFollower(ctx, a.ID, models.ChannelSMS, f.number, demoNames[(i+3)%len(demoNames)], f.lang, []string{"line-12"}, 0, ""); err != nil {
			return fmt.Errorf("demo SMS follower %s: %w", f.number, err)
		}
		out.Followers = append(out.Followers, f.number)
	}
	res.SMS, res.OutboundAllow = out, "127.0.0.1"
	return nil
}

// pushFollowers gives the transit account browser followers whose
// subscriptions are on the local push service (`plaza pushsink`), with
// keys it can decrypt with (pushsink.DemoSubscriber). Like the SMS
// followers, they follow line 12, so the demo's detour reaches them.
func pushFollowers(ctx context.Context, followers *follower.Service, a *models.Account, opts Options, res *Result) error {
	base := strings.TrimRight(opts.PushURL, "/")
	if base == "" {
		base = DefaultPushURL
	}
	out := &WebPush{Account: a.Handle, PushURL: base, Sink: "go run ./cmd/plaza pushsink --addr " + hostPort(base)}
	for i, lang := range pushLanguages {
		sub, err := pushsink.DemoSubscriber(base, i+1)
		if err != nil {
			return err
		}
		if _, err := followers.SeedFollower(ctx, a.ID, models.ChannelWebPush, pushsink.Address(sub.Subscription), "", lang, []string{"line-12"}, 0, ""); err != nil {
			return fmt.Errorf("demo browser follower: %w", err)
		}
		out.Endpoints = append(out.Endpoints, sub.Subscription.Endpoint)
	}
	res.WebPush, res.OutboundAllow = out, "127.0.0.1"
	return nil
}

// hostPort is the host:port of a sink's URL, for its --addr.
func hostPort(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return base
	}
	return u.Host
}
