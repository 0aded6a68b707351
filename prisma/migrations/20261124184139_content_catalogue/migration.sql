-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "activities" (
    "id" SERIAL NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "release_date" DATE NOT NULL,
    "review_date" DATE NOT NULL,
    "expiration_date" DATE NOT NULL,
    "estimated_minutes" INTEGER NOT NULL,
    "max_credits" DECIMAL(4,2) NOT NULL,
    "passing_score_percent" INTEGER NOT NULL,
    "details" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "activities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "objectives" (
    "id" SERIAL NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "objectives_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lessons" (
    "id" SERIAL NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "slug" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body_markdown" TEXT NOT NULL,
    "body_html" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "lessons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "references" (
    "id" SERIAL NOT NULL,
    "activity_id" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "citation" TEXT NOT NULL,
    "pmid" TEXT,
    "doi" TEXT,
    "evidence_level" INTEGER,
    "evidence_label" TEXT,

    CONSTRAINT "references_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "activities_slug_key" ON "activities"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "objectives_activity_id_code_key" ON "objectives"("activity_id", "code");

-- CreateIndex
CREATE INDEX "lessons_activity_id_position_idx" ON "lessons"("activity_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "lessons_activity_id_slug_key" ON "lessons"("activity_id", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "references_activity_id_number_key" ON "references"("activity_id", "number");

-- AddForeignKey
ALTER TABLE "objectives" ADD CONSTRAINT "objectives_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "references" ADD CONSTRAINT "references_activity_id_fkey" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

