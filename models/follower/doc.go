// Package follower is the followers' domain: the people who follow an
// account on a channel (table followers), their tags (follower_tags), the
// follow page's double opt-in, unsubscribing and preferences, what staff
// do with an account's followers (list, filter, tag, block, export, the
// growth chart), a follower's data requests (export, erasure), the
// digest choice, and CSV imports of followers (table imports), whose rows
// the pure package models/followerimport reads and judges. It follows
// models/apitoken's pattern:
//
//   - The record types Follower, FollowerTag and FollowEvent, the statuses
//     and the channel names stay in package models: handlers, templates
//     and broadcast share them. What only this domain uses (filters,
//     counts, imports, data exports) is declared here.
//   - It owns followers, follower_tags and imports (owner_test.go checks
//     that). The follow_events it writes are shared with models/followcode,
//     which counts them per code. The chat router follows and unfollows
//     through this service (FollowFromChat, Unsubscribe) bound with InTx
//     to the transaction of the message it handles, and the delivery
//     engine (package broadcast) ends follows and claims digests through
//     EndFollows, ClaimDigest and ReleaseDigest inside its own
//     transactions.
//   - Rows of other domains are read through small interfaces declared
//     here: Accounts and Channels, provided by *models.Store, FollowCodes,
//     provided by models/followcode, and Traces (the chats and answers a
//     data request covers), provided by app from models/chat and
//     models/project.
//   - One service type, built in app (follower.New) and handed to
//     handlers (handlers.Deps.Followers), the chat router, the mail
//     worker, housekeeping and the demo data.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package follower
