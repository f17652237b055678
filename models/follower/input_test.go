package follower_test

import (
	"strings"
	"testing"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestValidate checks a follower's input without a database: what it
// cleans, and the message key of each field it refuses.
func TestValidate(t *testing.T) {
	good, err := follower.Validate(follower.Input{Channel: models.ChannelEmail, Address: "  Ann@Example.ORG ", Name: " Ann ",
		Tags: []string{"Donor", "donor", "vip"}})
	if err != nil {
		t.Fatalf("a good e-mail follower: %v", err)
	}
	if good.Address != "ann@example.org" || good.Name != "Ann" || good.Language != "" || strings.Join(good.Tags, " ") != "donor vip" {
		t.Errorf("cleaned to %+v; want the address lower-cased, the name trimmed, no language (the account's default), the tags donor vip", good)
	}
	if _, err := follower.Validate(follower.Input{Channel: models.ChannelWebhook, Address: "+15550123", Language: "zh"}); err != nil {
		t.Errorf("a good webhook follower: %v", err)
	}
	for _, tt := range []struct {
		name  string
		in    follower.Input
		field string
		key   string
	}{
		{"unknown channel", follower.Input{Channel: "fax", Address: "1"}, "channel", "err.choose_one"},
		{"bad e-mail", follower.Input{Channel: models.ChannelEmail, Address: "not an address"}, "address", "err.email_invalid"},
		{"empty webhook address", follower.Input{Channel: models.ChannelWebhook, Address: " "}, "address", "err.required"},
		{"webhook address with a line break", follower.Input{Channel: models.ChannelWebhook, Address: "a\nb"}, "address", "err.required"},
		{"long webhook address", follower.Input{Channel: models.ChannelWebhook, Address: strings.Repeat("1", 201)}, "address", "err.required"},
		{"unknown language", follower.Input{Channel: models.ChannelEmail, Address: "a@example.org", Language: "not a tag"}, "language", "err.choose_one"},
		{"long name", follower.Input{Channel: models.ChannelEmail, Address: "a@example.org", Name: strings.Repeat("名", 201)}, "name", "err.too_long"},
		{"bad tag", follower.Input{Channel: models.ChannelEmail, Address: "a@example.org", Tags: []string{"no/slash!"}}, "tags", "err.tag_format"},
	} {
		_, err := follower.Validate(tt.in)
		v, ok := models.AsValidation(err)
		if !ok || v.Fields[tt.field] != tt.key {
			t.Errorf("%s: %v; want %s on %s", tt.name, err, tt.key, tt.field)
		}
	}
}
