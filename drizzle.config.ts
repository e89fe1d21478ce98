// drizzle-kit: `npm run db:generate -- --name <what>` writes the next SQL migration into shared/db/migrations
// from the difference between shared/db/schema.ts and the last snapshot. The migrator is shared/db/migrate.ts.
export default {
  dialect: 'postgresql',
  schema: './shared/db/schema.ts',
  out: './shared/db/migrations',
};
