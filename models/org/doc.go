// Package org is the domain of organizations and the people in them: the
// organizations platform admins create and verify (table organizations),
// their staff and roles (memberships), the invites that bring staff in
// (invites), the users who sign in to the studio (users) and their
// browsers' sessions (sessions), and the reading of an organization's
// audit log. It follows models/apitoken's pattern:
//
//   - Organizations and users are one package, not two: accepting an
//     invite creates the user, spends the invite and adds the membership
//     in one transaction; the staff list and the audit log name staff by
//     the users' addresses; changing a password ends the user's other
//     sessions in the same transaction; a session resolves to its user
//     in one query. Split, each of these would be a transaction or a
//     join across two packages.
//   - The records (Organization, Membership, Member, Invite, User, ...)
//     stay in package models: handlers, templates and every other domain
//     share them, and Member is what models.Require is asked about. The
//     inputs (Input, NewUser), the invite errors, the TTLs and the
//     Session row are this package's.
//   - It owns the tables organizations, memberships, invites, users and
//     sessions (owner_test.go checks which of them no other package's
//     code names yet). The audit log is written by every domain through
//     models.Core.Audit; only reading it is here.
//   - One service type, built in app (org.New(store.Core)) and handed to
//     handlers (handlers.Deps.Orgs), the API-token and media domains
//     (which ask it for organizations and memberships), the demo data
//     and the commands.
//   - Services check permissions with models.Require first (creating and
//     verifying organizations are for platform admins, User.IsAdmin),
//     return the typed errors of package models, and never know about
//     HTTP.
package org
