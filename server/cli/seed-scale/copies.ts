// The synthetic copies of the real activity (slugs <source>-synthetic-01…): its objectives, lessons, references and
// published items with their published versions, dated so that two years of completions fall inside their release,
// marked synthetic (the catalogue never lists them), each carrying the seed's marker. And the synthetic admin who
// revoked certificates and corrected claims in the histories. Made once, in one transaction.
import type { Client } from 'pg';
import { SYNTHETIC_EMAIL_DOMAIN } from './people';
import type { SeedMarker } from './guard';

export const copySlug = (source: string, n: number) => `${source}-synthetic-${String(n).padStart(2, '0')}`;
export const SYNTHETIC_ADMIN_EMAIL = `synthetic.admin@${SYNTHETIC_EMAIL_DOMAIN}`;

export interface Copies {
  /** Slugs in slot order. */
  slugs: string[];
  adminId: number;
}

const COPY_SQL = `
WITH source AS (SELECT * FROM activities WHERE slug = $1 AND NOT synthetic),
numbers AS (SELECT n, $1 || '-synthetic-' || lpad(n::text, 2, '0') AS slug FROM generate_series(1, $2::int) AS n),
dates AS (SELECT (now() AT TIME ZONE 'UTC')::date - 760 AS release),
copies AS (
  INSERT INTO activities (slug, title, description, content_hash, release_date, review_date, expiration_date,
    estimated_minutes, max_credits, passing_score_percent, details, synthetic, updated_at)
  SELECT numbers.slug, s.title || ' (synthetic ' || lpad(n::text, 2, '0') || ')', s.description, s.content_hash,
    d.release, d.release, (d.release + interval '3 years' - interval '1 day')::date, s.estimated_minutes,
    s.max_credits, s.passing_score_percent,
    s.details || jsonb_build_object('slug', numbers.slug,
      'title', s.title || ' (synthetic ' || lpad(n::text, 2, '0') || ')',
      'releaseDate', to_char(d.release, 'YYYY-MM-DD"T00:00:00.000Z"'),
      'reviewDate', to_char(d.release, 'YYYY-MM-DD"T00:00:00.000Z"'),
      'expirationDate', to_char(d.release + interval '3 years' - interval '1 day', 'YYYY-MM-DD"T00:00:00.000Z"'),
      'synthetic', jsonb_build_object('copyOf', s.slug, 'seed', $3::jsonb)),
    true, now()
  FROM source s CROSS JOIN numbers CROSS JOIN dates d
  RETURNING id
)
SELECT count(*)::int AS made FROM copies`;

/** Everything a copy has besides its row, from the source (s) into every copy (c); run after COPY_SQL. */
const CONTENT_SQL = [
  `INSERT INTO objectives (activity_id, code, position, text)
   SELECT c.id, o.code, o.position, o.text FROM activities c JOIN objectives o ON o.activity_id = $1
   WHERE c.id = ANY($2::int[])`,
  `INSERT INTO lessons (activity_id, slug, position, title, body_markdown, body_html, content_hash, updated_at)
   SELECT c.id, l.slug, l.position, l.title, l.body_markdown, l.body_html, l.content_hash, now()
   FROM activities c JOIN lessons l ON l.activity_id = $1 WHERE c.id = ANY($2::int[])`,
  `INSERT INTO "references" (activity_id, number, citation, pmid, doi, evidence_level, evidence_label)
   SELECT c.id, r.number, r.citation, r.pmid, r.doi, r.evidence_level, r.evidence_label
   FROM activities c JOIN "references" r ON r.activity_id = $1 WHERE c.id = ANY($2::int[])`,
  `INSERT INTO items (activity_id, objective_id, key, status, source, updated_at)
   SELECT c.id, co.id, i.key, 'published', i.source, now()
   FROM activities c JOIN items i ON i.activity_id = $1 AND i.status = 'published' AND i.published_version_id IS NOT NULL
   JOIN objectives so ON so.id = i.objective_id
   JOIN objectives co ON co.activity_id = c.id AND co.code = so.code
   WHERE c.id = ANY($2::int[])`,
  `INSERT INTO item_versions (item_id, version, type, stem, options, correct, rationale, section_slug, "references",
     content_hash, state)
   SELECT ci.id, v.version, v.type, v.stem, v.options, v.correct, v.rationale, v.section_slug, v."references",
     v.content_hash, 'published'
   FROM items ci JOIN items si ON si.activity_id = $1 AND si.key = ci.key
   JOIN item_versions v ON v.id = si.published_version_id
   WHERE ci.activity_id = ANY($2::int[])`,
  `UPDATE items ci SET published_version_id = v.id
   FROM item_versions v
   WHERE v.item_id = ci.id AND ci.activity_id = ANY($2::int[])
     AND EXISTS (SELECT 1 FROM items si WHERE si.activity_id = $1 AND si.key = ci.key)`,
];

const ADMIN_SQL = `
INSERT INTO users (email, role, full_name, profession, degree, synthetic, created_at, updated_at)
VALUES ($1, 'admin', 'Synthetic Admin', 'other', 'MPH', true, now() - interval '800 days', now() - interval '800 days')
ON CONFLICT (email) DO UPDATE SET synthetic = users.synthetic
RETURNING id, synthetic`;

async function existing(client: Client, source: string): Promise<string[]> {
  const { rows } = await client.query<{ slug: string }>(
    `SELECT slug FROM activities WHERE synthetic AND details->'synthetic'->>'copyOf' = $1 ORDER BY slug`,
    [source],
  );
  return rows.map((row) => row.slug);
}

async function syntheticAdmin(client: Client): Promise<number> {
  const { rows } = await client.query<{ id: number; synthetic: boolean }>(ADMIN_SQL, [SYNTHETIC_ADMIN_EMAIL]);
  if (!rows[0]!.synthetic) throw new Error(`${SYNTHETIC_ADMIN_EMAIL} exists and is not synthetic`);
  return rows[0]!.id;
}

/** The copies of the marker's source, made now unless a previous run made them. */
export async function ensureCopies(client: Client, marker: SeedMarker): Promise<Copies> {
  let slugs = await existing(client, marker.source);
  if (slugs.length === marker.copies) return { slugs, adminId: await syntheticAdmin(client) };
  if (slugs.length > 0)
    throw new Error(`found ${slugs.length} synthetic copies of ${marker.source}, not ${marker.copies}`);
  await client.query('BEGIN');
  try {
    const source = await client.query<{ id: number }>(
      'SELECT id FROM activities WHERE slug = $1 AND NOT synthetic',
      [marker.source],
    );
    if (source.rowCount === 0) throw new Error(`there is no activity ${marker.source} to copy`);
    await client.query(COPY_SQL, [marker.source, marker.copies, JSON.stringify(marker)]);
    const { rows } = await client.query<{ id: number }>(
      `SELECT id FROM activities WHERE synthetic AND details->'synthetic'->>'copyOf' = $1`,
      [marker.source],
    );
    const ids = rows.map((row) => row.id);
    for (const statement of CONTENT_SQL) await client.query(statement, [source.rows[0]!.id, ids]);
    const adminId = await syntheticAdmin(client);
    await client.query('COMMIT');
    slugs = await existing(client, marker.source);
    return { slugs, adminId };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
