package follower_test

import (
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/followerimport"
)

// TestImportSMS imports phone numbers for the SMS channel: read in the
// account's region, refused per row with why, duplicates found once
// normalized, and a number that texted STOP left stopped. E-mail
// followers are not touched.
func TestImportSMS(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		acc := w.f.Account
		csv := importHeader +
			"+852 9123 0001,New name,en,,2024-01-01\n" + // 2: update
			"91230004,Dee,zh-Hans,donor,2024-01-01\n" + // 3: new
			"+852 9123 0004,Dee again,en,,2024-01-01\n" + // 4: 3's number
			"9123 0003,Stopped,en,,2024-01-01\n" + // 5: texted STOP
			"12,Bad,en,,2024-01-01\n" + // 6
			"ann@example.org,Ann,en,,2024-01-01\n" // 7

		// Without SMS set up an import of numbers is refused as a whole.
		if _, err := w.a.Followers.CreateImportOn(w.ctx, w.staff, acc, "phones.csv", models.ChannelSMS, []byte(csv)); err == nil {
			t.Fatal("an SMS import without SMS set up")
		} else if e, ok := followerimport.AsCSVError(err); !ok || e.Key != "import.err.channel" {
			t.Fatalf("SMS import without SMS: %v", err)
		}
		if chans, err := w.a.Followers.ImportChannels(w.ctx, acc.ID); err != nil || len(chans) != 1 {
			t.Fatalf("import channels without SMS: %v %v", chans, err)
		}
		if err := w.a.Channels.Save(w.ctx, w.f.Member(models.RoleOwner), acc, models.ChannelSMS, w.a.Registry.Get(models.ChannelSMS).Schema(),
			channel.Settings{Enabled: true, Values: map[string]string{"account_sid": "AC1", "auth_token": "t0k", "from": "+85221234567", "region": "HK"}}); err != nil {
			t.Fatal(err)
		}
		w.a.Channels.Forget()
		if chans, err := w.a.Followers.ImportChannels(w.ctx, acc.ID); err != nil || len(chans) != 2 || chans[1] != models.ChannelSMS {
			t.Fatalf("import channels with SMS: %v %v", chans, err)
		}

		old, err := w.a.Followers.SeedFollower(w.ctx, acc.ID, models.ChannelSMS, "+85291230001", "Old name", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Followers.StopFromChat(w.ctx, acc.ID, models.ChannelSMS, "+85291230003", "en"); err != nil {
			t.Fatal(err)
		}
		mail := w.seed(t, "ann@example.org", "Ann", "en", models.StatusActive)

		p, err := w.a.Followers.CreateImportOn(w.ctx, w.staff, acc, "phones.csv", models.ChannelSMS, []byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		if p.Import.Channel != models.ChannelSMS {
			t.Fatalf("import on %q", p.Import.Channel)
		}
		want := map[string]string{
			"2 +85291230001":    "update name",
			"3 +85291230004":    "new",
			"4 +85291230004":    "rejected import.reason.duplicate",
			"5 +85291230003":    "rejected import.reason.sms_stopped",
			"6 12":              "rejected err.phone_invalid_for_region",
			"7 ann@example.org": "rejected err.phone_not_a_number",
		}
		if got := outcomes(p); len(got) != len(want) {
			t.Fatalf("preview %v", got)
		} else {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("row %s: %q, want %q", k, got[k], v)
				}
			}
		}
		imp, err := w.a.Followers.ImportByID(w.ctx, w.staff, acc, p.Import.ID)
		if err != nil || imp.Channel != models.ChannelSMS {
			t.Fatalf("stored import: %+v %v", imp, err)
		}
		before := dump(t, w.a, acc.ID)
		counts, err := w.a.Followers.ApplyImport(w.ctx, w.staff, acc, imp)
		if err != nil {
			t.Fatal(err)
		}
		if counts.New != 1 || counts.Update != 1 || counts.Rejected != 4 {
			t.Fatalf("applied: %+v", counts)
		}
		if n := count(t, w.a, "audit_log", "action = 'followers.import' AND detail = ?",
			"phones.csv (SMS): 1 new, 1 updated, 0 unchanged, 4 rejected"); n != 1 {
			t.Fatalf("%d audit entries for the SMS import", n)
		}
		if got := diff(before, dump(t, w.a, acc.ID)); len(got) != 2 || got[0] != "+85291230001" || got[1] != "+85291230004" {
			t.Fatalf("changed %v", got)
		}
		dee, err := followerByAddr(w.a, acc.ID, "+85291230004")
		if err != nil || dee.Channel != models.ChannelSMS || dee.Status != models.StatusActive || dee.Source != "import" ||
			dee.Language != "zh-Hans" || len(dee.Tags) != 1 || dee.Tags[0] != "donor" {
			t.Fatalf("imported follower: %+v %v", dee, err)
		}
		if n := count(t, w.a, "follow_events", "follower_id = ? AND channel = 'sms' AND kind = 'follow'", dee.ID); n != 1 {
			t.Fatalf("%d follow events for the imported number", n)
		}
		if f, _ := followerByAddr(w.a, acc.ID, "+85291230001"); f.ID != old.ID || f.Name != "New name" {
			t.Fatalf("updated follower: %+v", f)
		}
		if f, _ := followerByAddr(w.a, acc.ID, "+85291230003"); f.Status != models.StatusUnsubscribed {
			t.Fatalf("a number that texted STOP: %+v", f)
		}
		if f, _ := followerByAddr(w.a, acc.ID, "ann@example.org"); f.ID != mail.ID || f.Channel != models.ChannelEmail || f.Name != "Ann" {
			t.Fatalf("the e-mail follower: %+v", f)
		}
	})
}
