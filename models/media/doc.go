// Package media is the domain of uploaded files: the bytes kept in the
// database (table media) with their random public ids, content sniffing
// of what is uploaded, who may fetch a file (Service.ByPublicID), an
// account's avatar (Service.SetAvatar) and the images and documents
// attached to projects and notices (tables project_files and
// notice_files, each only a link from its owner to a media row; the
// checks, storage and listing they share are attachments.go's). It is
// the second domain package and follows models/apitoken's pattern:
//
//   - It owns the tables media, project_files and notice_files; no
//     other package's code names them (owner_test.go checks that).
//   - Rows of other domains are read and written through their APIs,
//     declared here as small interfaces: Accounts and Memberships, which
//     *models.Store provides, Projects, which models/project provides,
//     and Notices, which models/notice provides. Where another domain's
//     change must go with a media change, both happen in one Core.Tx: SetAvatar
//     creates the media row, then Accounts.PointAvatar, given the
//     transaction's Core, updates the account's own columns, then the
//     old avatar's row is deleted here. The other way round, deleting a
//     project must delete its files: models/project declares
//     project.Files, which Service implements (DeleteProjectFiles, taking
//     the project's transaction); notices likewise (notice.Files,
//     DeleteNoticeFiles). The two services reach each other, so
//     app builds them together (app.NewDomains).
//   - One service type, built in app (media.New(store.Core, others)) and
//     handed to handlers through handlers.Deps.Media.
//   - Services check permissions with models.Require first, return the
//     typed errors of package models, and never know about HTTP.
package media
