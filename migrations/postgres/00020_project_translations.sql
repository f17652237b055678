-- +goose Up
-- Projects, their timeline steps and their questions in any number of
-- languages, as 00019 did for notices and accounts: one JSON object of
-- texts per row (language tag -> field -> text), and default_lang on the
-- project, the language its steps and questions fall back to too.

ALTER TABLE projects ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE projects ADD COLUMN default_lang TEXT NOT NULL DEFAULT 'en';
UPDATE projects SET translations = CASE
    WHEN (title_en <> '' OR summary_en <> '' OR body_en <> '' OR result_en <> '') AND (title_zh <> '' OR summary_zh <> '' OR body_zh <> '' OR result_zh <> '') THEN json_build_object('en', json_build_object('title', title_en, 'summary', summary_en, 'body', body_en, 'result', result_en), 'zh-Hans', json_build_object('title', title_zh, 'summary', summary_zh, 'body', body_zh, 'result', result_zh))::text
    WHEN (title_en <> '' OR summary_en <> '' OR body_en <> '' OR result_en <> '') THEN json_build_object('en', json_build_object('title', title_en, 'summary', summary_en, 'body', body_en, 'result', result_en))::text
    WHEN (title_zh <> '' OR summary_zh <> '' OR body_zh <> '' OR result_zh <> '') THEN json_build_object('zh-Hans', json_build_object('title', title_zh, 'summary', summary_zh, 'body', body_zh, 'result', result_zh))::text
    ELSE '{}' END;
UPDATE projects SET default_lang = 'zh-Hans' WHERE title_en = '' AND title_zh <> '';
ALTER TABLE projects DROP COLUMN title_en;
ALTER TABLE projects DROP COLUMN title_zh;
ALTER TABLE projects DROP COLUMN summary_en;
ALTER TABLE projects DROP COLUMN summary_zh;
ALTER TABLE projects DROP COLUMN body_en;
ALTER TABLE projects DROP COLUMN body_zh;
ALTER TABLE projects DROP COLUMN result_en;
ALTER TABLE projects DROP COLUMN result_zh;

ALTER TABLE project_events ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
UPDATE project_events SET translations = CASE
    WHEN (note_en <> '') AND (note_zh <> '') THEN json_build_object('en', json_build_object('note', note_en), 'zh-Hans', json_build_object('note', note_zh))::text
    WHEN (note_en <> '') THEN json_build_object('en', json_build_object('note', note_en))::text
    WHEN (note_zh <> '') THEN json_build_object('zh-Hans', json_build_object('note', note_zh))::text
    ELSE '{}' END;
ALTER TABLE project_events DROP COLUMN note_en;
ALTER TABLE project_events DROP COLUMN note_zh;

ALTER TABLE project_questions ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
UPDATE project_questions SET translations = CASE
    WHEN (label_en <> '' OR options_en <> '') AND (label_zh <> '' OR options_zh <> '') THEN json_build_object('en', json_build_object('label', label_en, 'options', options_en), 'zh-Hans', json_build_object('label', label_zh, 'options', options_zh))::text
    WHEN (label_en <> '' OR options_en <> '') THEN json_build_object('en', json_build_object('label', label_en, 'options', options_en))::text
    WHEN (label_zh <> '' OR options_zh <> '') THEN json_build_object('zh-Hans', json_build_object('label', label_zh, 'options', options_zh))::text
    ELSE '{}' END;
ALTER TABLE project_questions DROP COLUMN label_en;
ALTER TABLE project_questions DROP COLUMN label_zh;
ALTER TABLE project_questions DROP COLUMN options_en;
ALTER TABLE project_questions DROP COLUMN options_zh;

-- +goose Down
ALTER TABLE project_questions ADD COLUMN label_en TEXT NOT NULL DEFAULT '';
ALTER TABLE project_questions ADD COLUMN label_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE project_questions ADD COLUMN options_en TEXT NOT NULL DEFAULT '';
ALTER TABLE project_questions ADD COLUMN options_zh TEXT NOT NULL DEFAULT '';
UPDATE project_questions SET label_en = COALESCE(translations::json -> 'en' ->> 'label', ''), label_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'label', ''), options_en = COALESCE(translations::json -> 'en' ->> 'options', ''), options_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'options', '');
ALTER TABLE project_questions DROP COLUMN translations;
ALTER TABLE project_events ADD COLUMN note_en TEXT NOT NULL DEFAULT '';
ALTER TABLE project_events ADD COLUMN note_zh TEXT NOT NULL DEFAULT '';
UPDATE project_events SET note_en = COALESCE(translations::json -> 'en' ->> 'note', ''), note_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'note', '');
ALTER TABLE project_events DROP COLUMN translations;
ALTER TABLE projects ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN title_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN summary_en TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN summary_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN body_en TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN body_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN result_en TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN result_zh TEXT NOT NULL DEFAULT '';
UPDATE projects SET title_en = COALESCE(translations::json -> 'en' ->> 'title', ''), title_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'title', ''), summary_en = COALESCE(translations::json -> 'en' ->> 'summary', ''), summary_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'summary', ''), body_en = COALESCE(translations::json -> 'en' ->> 'body', ''), body_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'body', ''), result_en = COALESCE(translations::json -> 'en' ->> 'result', ''), result_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'result', '');
ALTER TABLE projects DROP COLUMN default_lang;
ALTER TABLE projects DROP COLUMN translations;
