-- Special-category answers shared in a referral (the health and legal needs
-- assessments) are kept sealed with the keyring, apart from the plain shared
-- data that lists and letters show. `Store::seal_shared_special` moves rows
-- written before this migration (answers in clear in shared_data) here.
ALTER TABLE referrals ADD COLUMN shared_sealed TEXT;
