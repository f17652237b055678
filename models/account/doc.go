// Package account is the domain of official accounts: creating and
// editing them in the studio, loading one by handle for the studio
// (OrgAccount, inside the member's organization) and for citizens
// (AccountByHandle, with its organization's name and verification), the
// public directory, and the instance-wide keys kept in the settings
// table (the link-signing key, the stored secret key). It follows
// models/apitoken's pattern:
//
//   - The records (Account, PublicAccount) and the form's input with its
//     validator (AccountInput.Validate) stay in package models: handlers,
//     templates and every other domain share them. The directory's
//     filter is this package's.
//   - It owns the tables accounts and settings. Many queries of other
//     domains still join accounts (owner_test.go lists them), so only
//     settings is checked to be named nowhere else.
//   - A new account starts with its e-mail channel on, in the same
//     transaction, and an edit clears the chat endpoints' cache of
//     account names: both are the channels' domain's, reached through
//     Channels, which models/channel's service meets. The channels read
//     accounts back by handle through a service built with nil channels,
//     which only reads (app.NewDomains).
//   - One service type, built in app (account.New(store.Core, channels))
//     and handed to handlers (handlers.Deps.Accounts), the demo data and
//     the commands.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package account
