-- CreateEnum
CREATE TYPE "ItemStatus" AS ENUM ('draft', 'in_review', 'published', 'retired');

-- CreateEnum
CREATE TYPE "ItemType" AS ENUM ('single', 'multiple');

-- CreateEnum
CREATE TYPE "AttemptStatus" AS ENUM ('in_progress', 'scored');

-- CreateTable
CREATE TABLE "enrollments" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_active_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "enrollments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lesson_views" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "lesson_id" INTEGER NOT NULL,
    "first_viewed_at" TIMESTAMP(3) NOT NULL,
    "last_viewed_at" TIMESTAMP(3) NOT NULL,
    "seconds_spent" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "lesson_views_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "items" (
    "id" SERIAL NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "objective_id" INTEGER NOT NULL,
    "key" TEXT NOT NULL,
    "status" "ItemStatus" NOT NULL DEFAULT 'draft',
    "source" TEXT NOT NULL DEFAULT 'authored',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "item_versions" (
    "id" SERIAL NOT NULL,
    "item_id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "type" "ItemType" NOT NULL,
    "stem" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "correct" TEXT[],
    "rationale" TEXT NOT NULL,
    "section_slug" TEXT NOT NULL,
    "references" INTEGER[],
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "item_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attempts" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "status" "AttemptStatus" NOT NULL DEFAULT 'in_progress',
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMP(3),
    "correct_count" INTEGER,
    "item_count" INTEGER NOT NULL,
    "score_percent" DECIMAL(5,2),
    "passed" BOOLEAN,
    "passing_score_percent" INTEGER NOT NULL,

    CONSTRAINT "attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attempt_responses" (
    "id" SERIAL NOT NULL,
    "attempt_id" INTEGER NOT NULL,
    "item_version_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "option_order" TEXT[],
    "selected" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "correct" BOOLEAN,

    CONSTRAINT "attempt_responses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evaluations" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "objective_ratings" JSONB NOT NULL,
    "relevance" INTEGER NOT NULL,
    "free_of_bias" BOOLEAN NOT NULL,
    "bias_comment" TEXT,
    "intended_change" TEXT NOT NULL,
    "overall_quality" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_claims" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "attempt_id" INTEGER NOT NULL,
    "evaluation_id" INTEGER NOT NULL,
    "credit_code" TEXT NOT NULL,
    "credit_label" TEXT NOT NULL,
    "amount" DECIMAL(4,2) NOT NULL,
    "max_amount" DECIMAL(4,2) NOT NULL,
    "completed_at" TIMESTAMP(3) NOT NULL,
    "attested_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "learner" JSONB NOT NULL,

    CONSTRAINT "credit_claims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificates" (
    "id" SERIAL NOT NULL,
    "claim_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "issued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),
    "revoked_reason" TEXT,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "enrollments_user_id_activity_id_key" ON "enrollments"("user_id", "activity_id");

-- CreateIndex
CREATE UNIQUE INDEX "lesson_views_user_id_lesson_id_key" ON "lesson_views"("user_id", "lesson_id");

-- CreateIndex
CREATE INDEX "items_activity_id_status_idx" ON "items"("activity_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "items_activity_id_key_key" ON "items"("activity_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "item_versions_item_id_version_key" ON "item_versions"("item_id", "version");

-- CreateIndex
CREATE INDEX "attempts_activity_id_status_idx" ON "attempts"("activity_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "attempts_user_id_activity_id_number_key" ON "attempts"("user_id", "activity_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "attempt_responses_attempt_id_position_key" ON "attempt_responses"("attempt_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "attempt_responses_attempt_id_item_version_id_key" ON "attempt_responses"("attempt_id", "item_version_id");

-- CreateIndex
CREATE UNIQUE INDEX "evaluations_user_id_activity_id_key" ON "evaluations"("user_id", "activity_id");

-- CreateIndex
CREATE UNIQUE INDEX "credit_claims_attempt_id_key" ON "credit_claims"("attempt_id");

-- CreateIndex
CREATE UNIQUE INDEX "credit_claims_evaluation_id_key" ON "credit_claims"("evaluation_id");

-- CreateIndex
CREATE INDEX "credit_claims_completed_at_idx" ON "credit_claims"("completed_at");

-- CreateIndex
CREATE UNIQUE INDEX "credit_claims_user_id_activity_id_key" ON "credit_claims"("user_id", "activity_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_claim_id_key" ON "certificates"("claim_id");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_code_key" ON "certificates"("code");

-- AddForeignKey
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lesson_views" ADD CONSTRAINT "lesson_views_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lesson_views" ADD CONSTRAINT "lesson_views_lesson_id_fkey" FOREIGN KEY ("lesson_id") REFERENCES "lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "items" ADD CONSTRAINT "items_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "items" ADD CONSTRAINT "items_objective_id_fkey" FOREIGN KEY ("objective_id") REFERENCES "objectives"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempt_responses" ADD CONSTRAINT "attempt_responses_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempt_responses" ADD CONSTRAINT "attempt_responses_item_version_id_fkey" FOREIGN KEY ("item_version_id") REFERENCES "item_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_claims" ADD CONSTRAINT "credit_claims_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_claims" ADD CONSTRAINT "credit_claims_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_claims" ADD CONSTRAINT "credit_claims_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "attempts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_claims" ADD CONSTRAINT "credit_claims_evaluation_id_fkey" FOREIGN KEY ("evaluation_id") REFERENCES "evaluations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "credit_claims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

