// Package gtfs is the domain of an account's GTFS static feed
// (https://gtfs.org/schedule/reference/): staff of a transit account
// upload the feed's zip file, Plaza keeps its routes (routes.txt) and
// stops (stops.txt), the notice editor offers them as it is typed, and a
// notice naming a route or stop the feed lacks gets a warning. The
// GTFS-realtime output (feeds/gtfsrt.go) carries the ids staff typed,
// which are these.
//
//   - It owns the tables gtfs_feeds, gtfs_routes and gtfs_stops; no other
//     package's code names them (owner_test.go checks that).
//   - One service type, built in app (gtfs.New(store.Core)) and handed to
//     handlers through handlers.Deps.GTFS.
//   - Import checks permissions with models.Require first (editors and
//     owners import), returns the typed errors of package models or an
//     *ImportError for a file it refuses, and never knows about HTTP.
//     The reads for autocomplete and warnings take an account id: their
//     callers have loaded the account through the organization's gate.
//   - Reading the zip file (parse.go) is pure: it touches no database.
package gtfs
