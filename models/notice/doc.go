// Package notice is the domain of notices: what staff write in the
// editor (Input, validated by the pure Validate and ValidateDraft), the
// lifecycle from draft to published, updated, ended or expired (each step
// that tells followers starting a broadcast in its own transaction), the
// scheduler's publications and expiries, and the reads of the public
// pages, the feeds and the API. It follows models/apitoken's pattern:
//
//   - It owns the table notices; no other package's code names it
//     (owner_test.go checks that). The record type, models.Notice, stays
//     in package models with models.Alert and models.NoticeTitle: they are
//     the vocabulary handlers, templates and broadcast share.
//   - Broadcasts are package broadcast's rows: the service is given a
//     models.Broadcaster (broadcast.Starter) when it is built and calls
//     it inside the notice's transaction, so the notice's new state, the
//     broadcast and its job commit together.
//   - Accounts are read through Accounts (app.NewDomains wires it),
//     but for two reads kept as one statement for speed: ActiveAlerts and
//     LatestNotices, behind the busiest public pages, join accounts and
//     organizations. AudienceCount, FallbackAudience and ChannelAudience
//     count followers with models/follower's AudienceFrom, the statement
//     the delivery engine materializes with, so they agree with it.
//   - One service type, built in app (notice.New(store.Core,
//     broadcast.NewStarter(inserter, nil), accounts, districts, stops,
//     media), see app.NewDomains)
//     and handed to handlers through handlers.Deps.Notices, to the alert
//     feeds (alertfeed and models/alertsource, which lists notice titles),
//     the background jobs, the demo data and the bench programs.
//   - A notice's images and documents are models/media's rows; deleting
//     a draft deletes them in its transaction through Files, which
//     media's service implements.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package notice
