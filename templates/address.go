package templates

import (
	"context"

	"github.com/plazahq/plaza/models"
)

// followerAddress is a follower's address as staff read it: a browser's
// push subscription (JSON with its keys) shows as the channel's name and
// its push service's host.
func followerAddress(ctx context.Context, channel, address string) string {
	if channel != models.ChannelWebPush {
		return address
	}
	host := models.PushService(address)
	if host == "" {
		return address
	}
	return t(ctx, "channel.webpush") + " · " + host
}
