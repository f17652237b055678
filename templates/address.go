package templates

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/plazahq/plaza/models"
)

// followerAddress is a follower's address as staff read it: a browser's
// push subscription (JSON with its keys) shows as the channel's name and
// its push service's host.
func followerAddress(ctx context.Context, channel, address string) string {
	if channel != models.ChannelWebPush {
		return address
	}
	var sub struct {
		Endpoint string `json:"endpoint"`
	}
	if json.Unmarshal([]byte(address), &sub) != nil {
		return address
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil || u.Host == "" {
		return address
	}
	return t(ctx, "channel.webpush") + " · " + u.Host
}
