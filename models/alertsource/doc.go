// Package alertsource is the domain of an account's external
// GTFS-realtime alert feeds: the feed's settings (Service.Save), which
// feeds are due and claiming their polls (Service.ClaimDue), how each
// poll went and the per-hour cap on new alerts (Service.RecordPoll), and
// the alerts a feed has imported, by fingerprint, with the change each
// may hold back (Service.Items, Service.SaveItem). It is the third domain
// package and follows models/apitoken's pattern:
//
//   - It owns the tables alert_feeds and alert_feed_items; no other
//     package's code names them (owner_test.go checks that).
//   - It holds feed state only. The notices an alert becomes belong to
//     the notices' domain (models/notice): the poller (package
//     alertfeed) creates, updates and expires them through that service
//     and records here what became of each alert. The one read across,
//     the titles of the notices whose changes are held, goes through
//     Notices, which *notice.Service provides; a held change is kept as
//     a notice.Input in its stored shape.
//   - Claiming a poll queues its job in the claim's transaction, so the
//     service is given the queue (a models.Enqueuer) as well as the Core.
//   - One service type, built in app (alertsource.New(store.Core, queue,
//     notices)) and handed to the poller and to handlers through
//     handlers.Deps.AlertSources.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package alertsource
