package follower_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestFollowFromChat: a chat follow is active at once and recorded once;
// following again changes nothing, someone who stopped comes back, a
// blocked follower stays blocked, and a follow inside a caller's
// transaction (the router's turn) rolls back with it.
func TestFollowFromChat(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		acc, ch := f.Account.ID, models.ChannelWeChat
		if fl, err := a.Followers.ChatFollower(ctx, acc, ch, "oChat"); err != nil || fl != nil {
			t.Fatalf("a stranger's chat follower: %+v %v", fl, err)
		}
		follows := func(id int64) int64 {
			var n int64
			if err := a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ? AND kind = 'follow'", id).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The router chooses the language among the account's (its
		// TestRouterFollowLang); what is not a language tag is English.
		fl, changed, err := a.Followers.FollowFromChat(ctx, acc, ch, "oChat", "fr'; --", "poster", nil)
		if err != nil || !changed || fl.Status != models.StatusActive || fl.Source != "chat" || fl.Language != "en" || fl.Scene != "poster" {
			t.Fatalf("first chat follow: %+v changed=%v %v", fl, changed, err)
		}
		if got, err := a.Followers.ChatFollower(ctx, acc, ch, "oChat"); err != nil || got == nil || got.ID != fl.ID {
			t.Fatalf("chat follower after the follow: %+v %v", got, err)
		}
		if again, changed, err := a.Followers.FollowFromChat(ctx, acc, ch, "oChat", "zh", "", nil); err != nil || changed || again.ID != fl.ID {
			t.Fatalf("following again: %+v changed=%v %v", again, changed, err)
		}
		if n := follows(fl.ID); n != 1 {
			t.Fatalf("%d follow events after following twice, want 1", n)
		}
		if _, err := a.Followers.Unsubscribe(ctx, fl.ID); err != nil {
			t.Fatal(err)
		}
		back, changed, err := a.Followers.FollowFromChat(ctx, acc, ch, "oChat", "zh", "", nil)
		if err != nil || !changed || back.Status != models.StatusActive {
			t.Fatalf("following after stopping: %+v changed=%v %v", back, changed, err)
		}
		if got, _ := a.Followers.ChatFollower(ctx, acc, ch, "oChat"); got.Status != models.StatusActive || got.Language != "zh-Hans" || got.UnsubscribedAt != nil {
			t.Fatalf("the follower after coming back: %+v", got)
		}
		if n := follows(fl.ID); n != 2 {
			t.Fatalf("%d follow events after coming back, want 2", n)
		}
		if _, err := a.Followers.SetBlocked(ctx, f.Member(models.RoleOwner), f.Account, []int64{fl.ID}, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Followers.FollowFromChat(ctx, acc, ch, "oChat", "en", "", nil); !errors.Is(err, follower.ErrBlocked) {
			t.Fatalf("a blocked follower's chat follow: %v, want ErrBlocked", err)
		}
		if got, _ := a.Followers.ChatFollower(ctx, acc, ch, "oChat"); got.Status != models.StatusBlocked {
			t.Fatalf("a blocked follower's chat follow left status %s", got.Status)
		}
		turnFailed := errors.New("the turn failed")
		err = a.Store.Core.Tx(ctx, func(tx models.Core) error {
			if _, _, err := a.Followers.InTx(tx).FollowFromChat(ctx, acc, ch, "oRolledBack", "en", "", nil); err != nil {
				return err
			}
			return turnFailed
		})
		if !errors.Is(err, turnFailed) {
			t.Fatalf("the caller's transaction: %v", err)
		}
		if got, err := a.Followers.ChatFollower(ctx, acc, ch, "oRolledBack"); err != nil || got != nil {
			t.Fatalf("a follow in a transaction rolled back stayed: %+v %v", got, err)
		}
	})
}

// TestStopFromChat: a STOP from a number with no follower leaves a
// stopped follower and no follow counted; again changes nothing; a number
// that follows by now (a follow racing the STOP) is unsubscribed, its
// unfollow counted; START follows the stopped number again.
func TestStopFromChat(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		acc, ch := f.Account.ID, models.ChannelSMS
		events := func(id int64) int64 {
			var n int64
			if err := a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ?", id).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		for range 2 {
			fl, err := a.Followers.StopFromChat(ctx, acc, ch, "+85291230001", "zh-Hans")
			if err != nil || fl.Status != models.StatusUnsubscribed || fl.Source != "sms" || fl.Language != "zh-Hans" || fl.UnsubscribedAt == nil ||
				fl.ConsentAt != nil || events(fl.ID) != 0 {
				t.Fatalf("stop from a stranger: %+v %v", fl, err)
			}
		}
		active, err := a.Followers.SeedFollower(ctx, acc, ch, "+85291230002", "", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		before := events(active.ID)
		if fl, err := a.Followers.StopFromChat(ctx, acc, ch, "+85291230002", "en"); err != nil || fl.ID != active.ID ||
			fl.Status != models.StatusUnsubscribed || events(active.ID) != before+1 {
			t.Fatalf("stop racing a follow: %+v %v", fl, err)
		}
		if fl, changed, err := a.Followers.FollowFromChat(ctx, acc, ch, "+85291230001", "en", "", nil); err != nil || !changed || fl.Status != models.StatusActive {
			t.Fatalf("START after a stranger's STOP: %+v %v", fl, err)
		}
	})
}
