-- +goose Up
-- Whether an account's feedback waits for a moderator before it is shown
-- (the default, the safe choice for a public body) or is shown at once.
ALTER TABLE accounts ADD COLUMN feedback_review BOOLEAN NOT NULL DEFAULT TRUE;

-- A public project an account consults the public on.
CREATE TABLE projects (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'consultation', 'decided', 'in_progress', 'done')),
    title_en        TEXT NOT NULL DEFAULT '',
    title_zh        TEXT NOT NULL DEFAULT '',
    summary_en      TEXT NOT NULL DEFAULT '',
    summary_zh      TEXT NOT NULL DEFAULT '',
    body_en         TEXT NOT NULL DEFAULT '',
    body_zh         TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    latitude        REAL,
    longitude       REAL,
    -- In whole units of budget_currency (an ISO 4217 code).
    budget          INTEGER,
    budget_currency TEXT NOT NULL DEFAULT '',
    -- One district per line; when set, the form offers these.
    districts       TEXT NOT NULL DEFAULT '',
    -- Listed on the public site; staff prepare a project before it shows.
    public          BOOLEAN NOT NULL DEFAULT FALSE,
    opens_at        DATETIME,
    closes_at       DATETIME,
    -- The official summary of what the public said and what was decided.
    result_en       TEXT NOT NULL DEFAULT '',
    result_zh       TEXT NOT NULL DEFAULT '',
    result_at       DATETIME,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX projects_account_idx ON projects (account_id, updated_at);
CREATE INDEX projects_closes_idx ON projects (closes_at);

-- The dated steps of a project's status, shown as its timeline.
CREATE TABLE project_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    happened_on TEXT NOT NULL, -- YYYY-MM-DD, a calendar date with no zone
    note_en     TEXT NOT NULL DEFAULT '',
    note_zh     TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX project_events_project_idx ON project_events (project_id, happened_on);

-- Images and documents of a project; the bytes are in media.
CREATE TABLE project_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    media_id    INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    title       TEXT NOT NULL DEFAULT '',
    filename    TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX project_files_project_idx ON project_files (project_id);

-- Extra questions a project asks on its feedback form.
CREATE TABLE project_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'single', 'multiple')),
    label_en    TEXT NOT NULL DEFAULT '',
    label_zh    TEXT NOT NULL DEFAULT '',
    -- One choice per line, the same number of lines in each language.
    options_en  TEXT NOT NULL DEFAULT '',
    options_zh  TEXT NOT NULL DEFAULT '',
    required    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX project_questions_project_idx ON project_questions (project_id, position);

-- One answer of one person to one project. contact_key (the normalized
-- e-mail address or phone number) and follower_id keep it to one answer
-- per person: a second one updates the first.
CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stance       TEXT NOT NULL CHECK (stance IN ('support', 'oppose', 'neutral')),
    comment      TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    contact      TEXT NOT NULL DEFAULT '',
    contact_key  TEXT,
    district     TEXT NOT NULL DEFAULT '',
    answers      TEXT NOT NULL DEFAULT '{}',
    channel      TEXT NOT NULL DEFAULT 'web',
    follower_id  INTEGER REFERENCES followers (id) ON DELETE SET NULL,
    lang         TEXT NOT NULL DEFAULT 'en',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'published', 'hidden', 'spam')),
    -- Reports by distinct citizens since a moderator last looked.
    reports      INTEGER NOT NULL DEFAULT 0,
    response     TEXT NOT NULL DEFAULT '',
    response_at  DATETIME,
    response_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revisions    INTEGER NOT NULL DEFAULT 1,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX feedback_contact_idx ON feedback (project_id, contact_key) WHERE contact_key IS NOT NULL;
CREATE UNIQUE INDEX feedback_follower_idx ON feedback (project_id, follower_id) WHERE follower_id IS NOT NULL;
CREATE INDEX feedback_queue_idx ON feedback (project_id, status, id);

-- Who reported a comment (a hash of their address), so one person counts
-- once.
CREATE TABLE feedback_reports (
    feedback_id  INTEGER NOT NULL REFERENCES feedback (id) ON DELETE CASCADE,
    reporter     TEXT NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (feedback_id, reporter)
);

-- +goose Down
DROP TABLE feedback_reports;
DROP TABLE feedback;
DROP TABLE project_questions;
DROP TABLE project_files;
DROP TABLE project_events;
DROP TABLE projects;
ALTER TABLE accounts DROP COLUMN feedback_review;
