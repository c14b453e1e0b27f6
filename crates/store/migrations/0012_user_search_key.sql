-- Users are found by a folded key of username and display name
-- (`domain::search::fold`: Turkish İ/ı, Serbian Cyrillic and diacritics
-- folded the same on both engines), not by LOWER(), which folds ASCII only on
-- SQLite. Rows made before this migration are filled by `Store::migrate`.
ALTER TABLE users ADD COLUMN search_key TEXT;
