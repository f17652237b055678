package broadcast_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
)

// TestProgressCountsPerChannel: a broadcast to followers on three channels
// counts its deliveries per channel and state, e-mail first and SMS after
// the webhook; an SMS provider's later "undelivered" receipt moves its
// delivery from sent to failed in the SMS row; an erased follower's
// delivery counts under no channel. The API's OrgProgress says the same.
func TestProgressCountsPerChannel(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		sms, email := newRecorder(models.ChannelSMS), newRecorder(models.ChannelEmail)
		e := start(t, dbURL, func(o *app.Options) { o.Channels = append(o.Channels, sms, email) }, nil)
		e.followers(4) // webhook
		var smsFollowers []*models.Follower
		for i := range 3 {
			f, err := e.app.Followers.SeedFollower(e.ctx, e.fx.Account.ID, models.ChannelSMS, fmt.Sprintf("+8526123450%d", i), "", "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			smsFollowers = append(smsFollowers, f)
		}
		for i := range 2 {
			if _, err := e.app.Followers.SeedFollower(e.ctx, e.fx.Account.ID, models.ChannelEmail, fmt.Sprintf("p%d@example.org", i), "", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		// The provider refuses the first SMS number for good.
		refused := smsFollowers[0].ID
		sms.setScript(func(m *broadcast.Message) broadcast.Result {
			if m.To.FollowerID == refused {
				return broadcast.FailedResult("SMS provider error 21211: HTTP 400")
			}
			return broadcast.SentResult()
		})
		_, b := e.publish(general("Line 12 diverted"))
		e.waitStatus(b.ID, models.BroadcastDone, 20*time.Second)
		// The second number's message never arrived, the carrier says later.
		if ok, err := e.app.BroadcastService.RecordUndelivered(e.ctx, e.fx.Account.ID, fmt.Sprintf("%d-%d", b.ID, smsFollowers[1].ID), "undelivered"); err != nil || !ok {
			t.Fatalf("receipt: %v %v", ok, err)
		}
		want := []broadcast.ChannelCounts{
			{Channel: models.ChannelEmail, Sent: 2},
			{Channel: models.ChannelWebhook, Sent: 4},
			{Channel: models.ChannelSMS, Sent: 1, Failed: 2},
		}
		p, _, err := e.app.BroadcastService.Progress(e.ctx, e.owner(), e.fx.Account, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.Channels, want) {
			t.Fatalf("per channel %+v, want %+v", p.Channels, want)
		}
		if got := p.Channels[2].Total(); got != 3 {
			t.Fatalf("SMS total %d", got)
		}
		// An erased follower's delivery stays in the ledger, under no
		// channel.
		if err := e.app.Followers.EraseFollower(e.ctx, e.owner(), e.fx.Account, smsFollowers[2].ID); err != nil {
			t.Fatal(err)
		}
		op, err := e.app.BroadcastService.OrgProgress(e.ctx, e.owner(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[2].Sent = 0
		want = append(want, broadcast.ChannelCounts{Channel: "", Sent: 1})
		if !reflect.DeepEqual(op.Channels, want) {
			t.Fatalf("per channel after erasure %+v, want %+v", op.Channels, want)
		}
	})
}

// TestProgressPerChannelOfALargeBroadcast: while a large broadcast sends,
// its per-channel counts may be a recent snapshot, but one that adds up;
// once it is done they are exact.
func TestProgressPerChannelOfALargeBroadcast(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, nil, nil)
		const n = 10_000
		if _, err := e.app.Followers.GenerateFollowers(e.ctx, e.fx.Account.ID, models.ChannelWebhook, "+1-555-", n); err != nil {
			t.Fatal(err)
		}
		// The receiver hangs until released, so the broadcast is still
		// sending while it is watched.
		release := make(chan struct{})
		e.ch.mu.Lock()
		e.ch.delayOf = func(*broadcast.Message) time.Duration { <-release; return 0 }
		e.ch.mu.Unlock()
		_, b := e.publish(general("Depot open day"))
		e.waitStatus(b.ID, models.BroadcastSending, 20*time.Second)
		for range 2 {
			p, _, err := e.app.BroadcastService.Progress(e.ctx, e.owner(), e.fx.Account, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Channels) != 1 || p.Channels[0].Channel != models.ChannelWebhook || p.Channels[0].Total() != n {
				t.Fatalf("while sending: %+v", p.Channels)
			}
		}
		close(release)
		e.waitStatus(b.ID, models.BroadcastDone, time.Minute)
		p, _, err := e.app.BroadcastService.Progress(e.ctx, e.owner(), e.fx.Account, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []broadcast.ChannelCounts{{Channel: models.ChannelWebhook, Sent: n}}; !reflect.DeepEqual(p.Channels, want) {
			t.Fatalf("done: %+v", p.Channels)
		}
	})
}
