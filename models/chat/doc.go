// Package chat is the domain of the conversations people have with an
// account on its chat channels (WeChat, Telegram, the generic webhook):
// every message in and out (table chat_messages), the guided
// conversation in progress (chat_sessions), the place a follower was
// last asked to use for alerts (chat_places), the staff inbox's list of
// conversations (chat_conversations), and the automatic answers staff
// set: keyword replies (chat_keywords) and the welcome message. It
// follows models/apitoken's pattern:
//
//   - It owns those five tables; no other package's code names them
//     (owner_test.go checks that).
//   - The router (bridge/router) handles a message in one transaction of
//     the store, which also follows, unsubscribes and takes feedback; the
//     methods it calls (LoadChatState, RecordTurn, TouchConversation,
//     SaveChatSession, EndChatSession, SaveChatPlace, SettleChatPlace)
//     take that transaction's Core as tx and write through it, as
//     media's DeleteProjectFiles does. A follower's data export reads
//     their messages here (FollowerMessages), and their erasure deletes
//     them, with the inbox conversation, a conversation in progress and
//     the place last asked about, through the erasure's
//     transaction (EraseFollowerMessages); app hands both to
//     models/follower as part of its Traces.
//   - Rows of other domains are written through their APIs, declared
//     here as small interfaces that *models.Store provides today:
//     Accounts (the welcome message is a column of the account), Channels
//     (the endpoints' cache holds the account with its welcome) and Orgs
//     (who may be assigned a conversation). Reads that show a
//     conversation join followers (the person's name) and users (the
//     staff member's name) in the same query, as the inbox lists
//     hundreds of them.
//   - One service type, built in app (chat.New(store.Core, store, store,
//     store)) and handed to handlers (handlers.Deps.Chats), the router and
//     the WeChat channel (LastInbounds, for the 48-hour window). It keeps
//     the keyword lists the router checks every message against, cached
//     for a few seconds.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package chat
