// Package testchat is the domain of staff members' own chats for "send
// me a test": a member links a chat (Telegram, WeChat, SMS) to an
// account by sending it a one-time code the studio shows, and the notice
// editor can then send a test to that chat instead of their e-mail.
//
//   - It owns the tables test_chat_codes and test_chats; no other
//     package's code names them (owner_test.go checks that). Both hang
//     off the membership (a foreign key with ON DELETE CASCADE), so a
//     member who leaves the organization loses their codes and links
//     with it, without the org domain having to know about them.
//   - A linked chat is not a follower: the router (bridge/router) takes
//     a code before any follow or keyword, calls Redeem in the turn's
//     transaction, and records nothing in the followers' domain.
//   - Codes are random, single use, compared in constant time, live
//     CodeTTL by the store's clock, and the tries of a chat and of an
//     account are rate-limited (models.Core.Hit), so a code cannot be
//     guessed in its lifetime.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package testchat
