-- CreateEnum
CREATE TYPE "VersionState" AS ENUM ('draft', 'in_review', 'published', 'superseded');

-- AlterEnum
ALTER TYPE "ItemType" ADD VALUE 'true_false';

-- DropIndex
DROP INDEX "items_activity_id_status_idx";

-- DropIndex
DROP INDEX "credit_claims_completed_at_idx";

-- DropIndex
DROP INDEX "certificates_claim_id_key";

-- AlterTable
ALTER TABLE "activities" ADD COLUMN     "synthetic" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "synthetic" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "items" ADD COLUMN     "created_by_id" INTEGER,
ADD COLUMN     "lock_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "published_version_id" INTEGER;

-- AlterTable
ALTER TABLE "item_versions" ADD COLUMN     "created_by_id" INTEGER,
ADD COLUMN     "state" "VersionState" NOT NULL DEFAULT 'draft';

-- AlterTable
ALTER TABLE "credit_claims" ADD COLUMN     "synthetic" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "certificates" ADD COLUMN     "revoked_by_id" INTEGER,
ADD COLUMN     "superseded_at" TIMESTAMP(3),
ADD COLUMN     "superseded_by_id" INTEGER;

-- CreateTable
CREATE TABLE "item_transitions" (
    "id" SERIAL NOT NULL,
    "item_id" INTEGER NOT NULL,
    "item_version_id" INTEGER,
    "actor_id" INTEGER,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "item_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "claim_corrections" (
    "id" SERIAL NOT NULL,
    "claim_id" INTEGER NOT NULL,
    "actor_id" INTEGER,
    "from_amount" DECIMAL(4,2) NOT NULL,
    "to_amount" DECIMAL(4,2) NOT NULL,
    "from_credit_code" TEXT NOT NULL,
    "to_credit_code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "claim_corrections_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "item_transitions_item_id_created_at_idx" ON "item_transitions"("item_id", "created_at");

-- CreateIndex
CREATE INDEX "claim_corrections_claim_id_idx" ON "claim_corrections"("claim_id");

-- CreateIndex
CREATE UNIQUE INDEX "items_published_version_id_key" ON "items"("published_version_id");

-- CreateIndex
CREATE INDEX "items_activity_id_status_id_idx" ON "items"("activity_id", "status", "id");

-- CreateIndex
CREATE INDEX "credit_claims_completed_at_id_idx" ON "credit_claims"("completed_at", "id");

-- CreateIndex
CREATE INDEX "credit_claims_activity_id_completed_at_id_idx" ON "credit_claims"("activity_id", "completed_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_superseded_by_id_key" ON "certificates"("superseded_by_id");

-- CreateIndex
CREATE INDEX "certificates_claim_id_idx" ON "certificates"("claim_id");

-- AddForeignKey
ALTER TABLE "items" ADD CONSTRAINT "items_published_version_id_fkey" FOREIGN KEY ("published_version_id") REFERENCES "item_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "items" ADD CONSTRAINT "items_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_versions" ADD CONSTRAINT "item_versions_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_transitions" ADD CONSTRAINT "item_transitions_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "items"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_transitions" ADD CONSTRAINT "item_transitions_item_version_id_fkey" FOREIGN KEY ("item_version_id") REFERENCES "item_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_transitions" ADD CONSTRAINT "item_transitions_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_revoked_by_id_fkey" FOREIGN KEY ("revoked_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_superseded_by_id_fkey" FOREIGN KEY ("superseded_by_id") REFERENCES "certificates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "claim_corrections" ADD CONSTRAINT "claim_corrections_claim_id_fkey" FOREIGN KEY ("claim_id") REFERENCES "credit_claims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "claim_corrections" ADD CONSTRAINT "claim_corrections_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written: one current (not superseded) certificate per claim.
CREATE UNIQUE INDEX "certificates_current_per_claim_key" ON "certificates"("claim_id") WHERE "superseded_at" IS NULL;

-- Hand-written backfill: until now the post-test drew the latest version of each published item.
UPDATE "item_versions" v SET "state" = CASE
    WHEN v."version" < latest."version" THEN 'superseded'::"VersionState"
    WHEN i."status" IN ('published', 'retired') THEN 'published'::"VersionState"
    ELSE i."status"::text::"VersionState" END
FROM "items" i,
     (SELECT "item_id", max("version") AS "version" FROM "item_versions" GROUP BY "item_id") latest
WHERE i."id" = v."item_id" AND latest."item_id" = v."item_id";

UPDATE "items" i SET "published_version_id" = v."id"
FROM "item_versions" v
WHERE v."item_id" = i."id" AND v."state" = 'published' AND i."status" IN ('published', 'retired');
