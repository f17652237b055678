-- +goose Up
-- Keyword replies in any number of languages, as 00019 and 00020 did for
-- notices, accounts and projects: one JSON object of texts per keyword
-- (language tag -> "reply" -> text) instead of one reply limited to en,
-- zh or both. A reply for both ('') goes under the account's first
-- language; 'zh' is Simplified Chinese. The router picks the follower's
-- language, else the account's default, else any. SQLite cannot drop a
-- column with a CHECK: the table is rebuilt.
CREATE TABLE chat_keywords_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    keyword       TEXT NOT NULL,
    match         TEXT NOT NULL CHECK (match IN ('exact', 'contains')),
    translations  TEXT NOT NULL DEFAULT '{}',
    created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO chat_keywords_new (id, account_id, keyword, match, translations, created_at)
    SELECT k.id, k.account_id, k.keyword, k.match, json_object(
        CASE k.lang
            WHEN 'en' THEN 'en'
            WHEN 'zh' THEN 'zh-Hans'
            ELSE (SELECT CASE f.tag WHEN '' THEN 'en' WHEN 'zh' THEN 'zh-Hans' ELSE f.tag END
                  FROM (SELECT trim(CASE WHEN instr(a.languages, ',') > 0 THEN substr(a.languages, 1, instr(a.languages, ',') - 1)
                                         ELSE a.languages END) AS tag
                        FROM accounts a WHERE a.id = k.account_id) f)
        END,
        json_object('reply', k.reply)), k.created_at
    FROM chat_keywords k;
DROP TABLE chat_keywords;
ALTER TABLE chat_keywords_new RENAME TO chat_keywords;
CREATE INDEX chat_keywords_account_idx ON chat_keywords (account_id);

-- +goose Down
-- Back to one reply per row: a keyword with both an English and a
-- Simplified Chinese reply becomes two rows; one in another language
-- answers everyone ('').
CREATE TABLE chat_keywords_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    keyword     TEXT NOT NULL,
    match       TEXT NOT NULL CHECK (match IN ('exact', 'contains')),
    lang        TEXT NOT NULL DEFAULT '' CHECK (lang IN ('', 'en', 'zh')),
    reply       TEXT NOT NULL,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO chat_keywords_old (id, account_id, keyword, match, lang, reply, created_at)
    SELECT id, account_id, keyword, match,
        CASE
            WHEN json_extract(translations, '$.en.reply') IS NOT NULL THEN 'en'
            WHEN json_extract(translations, '$."zh-Hans".reply') IS NOT NULL THEN 'zh'
            ELSE '' END,
        COALESCE(json_extract(translations, '$.en.reply'), json_extract(translations, '$."zh-Hans".reply'),
            (SELECT json_extract(e.value, '$.reply') FROM json_each(translations) e ORDER BY e.key LIMIT 1), ''),
        created_at
    FROM chat_keywords;
INSERT INTO chat_keywords_old (account_id, keyword, match, lang, reply, created_at)
    SELECT account_id, keyword, match, 'zh', json_extract(translations, '$."zh-Hans".reply'), created_at
    FROM chat_keywords
    WHERE json_extract(translations, '$.en.reply') IS NOT NULL AND json_extract(translations, '$."zh-Hans".reply') IS NOT NULL;
DROP TABLE chat_keywords;
ALTER TABLE chat_keywords_old RENAME TO chat_keywords;
CREATE INDEX chat_keywords_account_idx ON chat_keywords (account_id);
