-- CreateIndex
CREATE INDEX "enrollments_activity_id_user_id_idx" ON "enrollments"("activity_id", "user_id");

-- CreateIndex
CREATE INDEX "lesson_views_lesson_id_user_id_idx" ON "lesson_views"("lesson_id", "user_id");

-- CreateIndex
CREATE INDEX "evaluations_activity_id_id_idx" ON "evaluations"("activity_id", "id");


-- Not here: a covering index of attempt_responses with "correct" would speed the scores per objective of the report
-- but make every post-test submission (the busiest write) update every index of the table: no HOT update.
-- (The migration runner of Prisma splits statements without reading comments: no quote or semicolon in a comment.)

-- The records page plans its count and filters from the statistics of credit_claims. A database that held records
-- when 20261127032700_records_indexes was applied had none for the new expressions until autovacuum ran.
ANALYZE "credit_claims";
