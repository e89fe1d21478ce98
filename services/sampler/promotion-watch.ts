// Tells the model provider of promotions recorded in the event log, so a version promoted by a Neon run (in this
// process or another sharing the database) is served at once: on each `job.succeeded` of a `neon.promote` job, the
// promoted alias (`<model>@neon`) and the bare name are re-resolved and loaded. Starts after the newest event.
import type { Database } from '../../shared/db/database.ts';
import { lastEventId } from '../../shared/events/event-log.ts';
import { subscribeEvents } from '../../shared/events/subscribe.ts';
import type { ModelProvider } from '../../shared/serving/model-provider.ts';

export const PROMOTE_JOB_TYPE = 'neon.promote';

export async function watchPromotions(
  database: Database,
  models: ModelProvider,
  signal: AbortSignal,
  log: (line: string) => void = () => {},
): Promise<void> {
  const after = await lastEventId(database.db, { types: ['job.succeeded'] });
  for await (const e of subscribeEvents(database, { types: ['job.succeeded'], after, signal, pollMs: 2000 })) {
    const p = e.payload as { job_type?: string; result?: { alias?: string; ref?: string } };
    if (p.job_type !== PROMOTE_JOB_TYPE) continue;
    const refs = [p.result?.alias, p.result?.ref?.split('@')[0]].filter((r): r is string => typeof r === 'string');
    for (const ref of refs) {
      await models.promoted(ref).then(
        (m) => log(`promoted: ${ref} → ${m.name}@${m.tag}`),
        (err) => log(`promoted ${ref}: ${(err as Error).message}`),
      );
    }
  }
}
