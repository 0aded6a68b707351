-- Hand-written: the indexes of the admins' completion records page (server/records/statements.ts), which keep a page
-- with a filter, at any depth, as fast at a million records as at ten thousand. Expression, partial and trigram
-- indexes cannot be declared in schema.prisma, and tests/db/migrations.test.ts lists them in HAND_WRITTEN_INDEXES.

-- Substring search of a learner by name as claimed or by email (ILIKE '%…%'): trigram indexes. pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "credit_claims_learner_name_trgm_idx" ON "credit_claims" USING gin ((learner ->> 'fullName') gin_trgm_ops);
CREATE INDEX "users_email_trgm_idx" ON "users" USING gin ("email" gin_trgm_ops);

-- Keyset walks of the sorts other than the completion date (credit_claims_completed_at_id_idx exists): each index
-- is the sort's keys in order, the unique tie-breaker last.
CREATE INDEX "credit_claims_learner_name_id_idx" ON "credit_claims" ((COALESCE(learner ->> 'fullName', '')), "id");
CREATE INDEX "credit_claims_amount_id_idx" ON "credit_claims" ("amount", "id");
-- Claims reference passed attempts only: the score sort says so and walks this partial index.
CREATE INDEX "attempts_passed_score_percent_id_idx" ON "attempts" ("score_percent", "id") WHERE "passed";

-- Filters with the default sort (newest first): the filter's column, then the sort's keys.
CREATE INDEX "credit_claims_credit_code_completed_at_id_idx" ON "credit_claims" ("credit_code", "completed_at", "id");
CREATE INDEX "credit_claims_profession_completed_at_id_idx" ON "credit_claims" ((learner ->> 'profession'), "completed_at", "id");

-- Revoked certificates are few: the filter starts from them.
CREATE INDEX "certificates_revoked_current_idx" ON "certificates" ("claim_id") WHERE "revoked_at" IS NOT NULL AND "superseded_at" IS NULL;
