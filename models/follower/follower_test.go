package follower_test

import (
	"context"
	"sync"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestFollowRaces: concurrent requests and confirmations of one follower
// (a person and a mail scanner, two tabs) act once.
func TestFollowRaces(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		req := follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail, Address: "twice@example.org"}
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for range 5 {
			wg.Go(func() {
				_, err := a.Followers.RequestFollow(ctx, req)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent follow request: %v", err)
			}
		}
		var fl models.Follower
		if err := a.DB.Gorm.Where("address = ?", "twice@example.org").First(&fl).Error; err != nil {
			t.Fatal(err)
		}
		mailJobs := func() int64 {
			var n int64
			if err := a.DB.Gorm.Table("river_job").Where("kind = 'follower_mail'").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := mailJobs()
		for range 5 {
			wg.Go(func() { _, _ = a.Followers.ConfirmFollow(ctx, fl.ID) })
		}
		wg.Wait()
		var follows int64
		a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ? AND kind = 'follow'", fl.ID).Count(&follows)
		if welcomes := mailJobs() - before; follows != 1 || welcomes != 1 {
			t.Fatalf("five concurrent confirmations made %d follow events and %d welcome mails; want 1 and 1", follows, welcomes)
		}
		// An unsubscribe racing a stale confirmation: the follower stays out.
		for range 3 {
			wg.Go(func() { _, _ = a.Followers.Unsubscribe(ctx, fl.ID) })
			wg.Go(func() { _, _ = a.Followers.ConfirmFollow(ctx, fl.ID) })
		}
		wg.Wait()
		got, _ := a.Followers.FollowerByID(ctx, fl.ID)
		var unfollows int64
		a.DB.Gorm.Model(&models.FollowEvent{}).Where("follower_id = ? AND kind = 'unfollow'", fl.ID).Count(&unfollows)
		if got.Status != models.StatusUnsubscribed || unfollows != 1 {
			t.Fatalf("after racing unsubscribes: status %s, %d unfollow events; want unsubscribed and 1", got.Status, unfollows)
		}
	})
}

// TestFollowRequestKeepsStaffTags: asking to follow again (anyone can, with
// just the address) changes only the account's topics, never the tags staff
// gave the follower.
func TestFollowRequestKeepsStaffTags(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if err := a.Accounts.UpdateAccount(ctx, f.Member(models.RoleEditor), f.Account, models.AccountInput{
			Name: "Metro", Category: "transit", Languages: []string{"en"}, Topics: "line-12,line-7",
		}); err != nil {
			t.Fatal(err)
		}
		req := follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail, Address: "kept@example.org", Topics: []string{"line-12"}}
		fl, err := a.Followers.RequestFollow(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		a.DB.Gorm.Exec("INSERT INTO follower_tags (follower_id, tag) VALUES (?, 'donor'), (?, 'vip')", fl.ID, fl.ID)
		if _, err := a.Followers.Unsubscribe(ctx, fl.ID); err != nil {
			t.Fatal(err)
		}
		req.Topics = []string{"line-7"}
		if _, err := a.Followers.RequestFollow(ctx, req); err != nil {
			t.Fatal(err)
		}
		got, _ := a.Followers.FollowerByID(ctx, fl.ID)
		if want := "donor,line-7,vip"; joinTags(got.Tags) != want {
			t.Fatalf("tags after a new request = %v, want %s", got.Tags, want)
		}
	})
}

func joinTags(tags []string) string {
	out := ""
	for i, t := range tags {
		if i > 0 {
			out += ","
		}
		out += t
	}
	return out
}
