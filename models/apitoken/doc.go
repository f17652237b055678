// Package apitoken is the API-token domain: the tokens of the JSON API
// and their scopes, bearer authentication (Service.Authenticate), and the
// Idempotency-Key ledger of API requests. It is the first of the domain
// packages under models/, and sets the pattern the next ones copy:
//
//   - The shared core stays in package models and is imported from it:
//     models.Core gives the connection (Conn, bound to a transaction
//     inside Tx), the Dialect, the clock (Now) and the audit log (Audit,
//     to be called inside the transaction of the change it records); the
//     shared rules are models.Member, models.Require, ErrNotFound,
//     ErrForbidden, ValidationError and Page. Package models never
//     imports a domain package, so nothing in models may call this one.
//   - The domain owns its tables and its SQL: here api_tokens and
//     idempotency_keys, which no other package's code names (a test in
//     this package checks that). Rows of another domain are read through
//     that domain's API, declared here as a small interface
//     (Organizations), never by querying its tables.
//   - One service type, built in app with plain arguments
//     (apitoken.New(store.Core, store)) and handed to whoever needs it
//     (handlers.Deps.APITokens, housekeeping). It holds no other state.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package apitoken
