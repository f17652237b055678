// Package followcode is the domain of follow codes: the named QR codes of
// an account whose short link /q/{code} opens the follow page with the
// code's scene (table follow_codes), the scans of those links (table
// scans, counted once per client per code per ScanWindow by RecordScan),
// and each code's totals, daily counts and device classes. It is the
// third domain package and follows models/apitoken's pattern:
//
//   - It owns the tables follow_codes and scans; no other package's code
//     names them (owner_test.go checks that). The follows credited to a
//     code are the followers domain's follow_events (models/follower),
//     which it only reads, counting by code_id.
//   - The follower filters list the scenes of an account's codes and a
//     follower's history shows the scene it came through: models/follower
//     declares FollowCodes, which Service implements (Scenes, ScenesOf),
//     and app hands this service to follower.New.
//   - One service type, built in app (followcode.New(store.Core)) and
//     handed to handlers through handlers.Deps.FollowCodes and to the
//     demo data.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package followcode
