// Package project is the projects' domain: the public projects accounts
// consult citizens about (their details, timeline and extra questions),
// the citizens' answers (feedback) with their moderation, reports,
// revisions and exports, and the counts of a consultation's results. It
// follows models/apitoken's pattern:
//
//   - It owns the tables projects, project_questions, project_events,
//     feedback and feedback_reports. The record types (models.Project,
//     models.Feedback, models.ProjectQuestion, ...) stay in package models,
//     as the vocabulary handlers, templates and the chat router share.
//   - Rows of other domains are read through their APIs, declared here as
//     small interfaces: Accounts (the account a project belongs to, which
//     *models.Store provides) and Files (a project's files, deleted with
//     it; models/media provides it). The media domain in turn reads
//     projects through this service (media.Projects).
//   - A follower's data export reads their answers here
//     (FollowerAnswers), and their erasure anonymizes them in its
//     transaction (AnonymizeFollowerAnswers); app hands both to
//     models/follower as part of its Traces.
//   - One service type, built in app (project.New(store.Core, media,
//     store, queue, store.Limits())) and handed to handlers
//     (handlers.Deps.Projects), the chat router and the mailer.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP. The
//     anti-abuse limits of answers and reports apply here, so the web
//     form and a chat conversation get the same ones.
package project
