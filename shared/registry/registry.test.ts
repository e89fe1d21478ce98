import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testBackends } from '../db/test-backends.ts';
import type { Database } from '../db/database.ts';
import {
  canonicalJson,
  getArtifact,
  listModelVersions,
  parseModelRef,
  recordArtifact,
  registerModelVersion,
  RegistryError,
  resolveModel,
  setAlias,
  versionContentHash,
} from './registry.ts';
import type { Manifest } from '../models/manifest.ts';
import { tinyFlowModel } from '../families/test-fixtures/tiny-flow.ts';

/** A valid manifest, with fields changed. */
const manifest = (over: Partial<Manifest> = {}): Manifest => ({ ...tinyFlowModel('tiny').manifest, ...over });

const artifact = (text: string) => ({
  id: createHash('sha256').update(text).digest('hex'),
  kind: 'onnx',
  bytes: text.length,
  config: { made_from: text },
});

test('model references parse as name or name@selector', () => {
  assert.deepEqual(parseModelRef('fmnist-flow'), { name: 'fmnist-flow', selector: undefined });
  assert.deepEqual(parseModelRef('fmnist-flow@neon-r1'), { name: 'fmnist-flow', selector: 'neon-r1' });
  assert.throws(() => parseModelRef('fmnist flow'), RegistryError);
  assert.throws(() => parseModelRef('x@'), RegistryError);
  assert.throws(() => parseModelRef('@neon'), RegistryError);
});

test('content hashes ignore key order but not values', () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: null }] }), '{"a":[1,{"c":null,"d":2}],"b":1}');
  const a = artifact('a').id;
  assert.equal(versionContentHash(a, { x: 1, y: 2 }), versionContentHash(a, { y: 2, x: 1 }));
  assert.notEqual(versionContentHash(a, { x: 1 }), versionContentHash(a, { x: 2 }));
  assert.notEqual(versionContentHash(a, { x: 1 }), versionContentHash(artifact('b').id, { x: 1 }));
});

for (const backend of await testBackends()) {
  describe(`registry on ${backend.name}`, { skip: backend.skip }, () => {
    let database: Database;
    before(async () => {
      database = await backend.open();
    });
    after(async () => {
      await backend.close();
    });

    test('artifacts are recorded once', async () => {
      const a = artifact('weights-0');
      const first = await recordArtifact(database.db, a);
      const second = await recordArtifact(database.db, { ...a, config: { other: true } });
      assert.deepEqual(second, first);
      assert.deepEqual((await getArtifact(database.db, a.id))?.config, { made_from: 'weights-0' });
      assert.equal(await getArtifact(database.db, artifact('missing').id), undefined);
    });

    test('registers versions idempotently on content, with lineage, and resolves tags and aliases', async () => {
      const base = await registerModelVersion(database.db, {
        model: 'flow',
        tag: 'base',
        artifact: artifact('base'),
        manifest: manifest({ family: 'flow' }),
      });
      assert.equal(base.created, true);
      const again = await registerModelVersion(database.db, {
        model: 'flow',
        tag: 'base',
        artifact: artifact('base'),
        manifest: manifest({ family: 'flow' }),
      });
      assert.equal(again.created, false);
      assert.equal(again.version.id, base.version.id);

      const neon = await registerModelVersion(database.db, {
        model: 'flow',
        tag: 'neon-r1',
        artifact: artifact('neon-r1'),
        manifest: manifest({ family: 'flow', lineage: { w: 0.5 } }),
        baseVersionId: base.version.id,
        snapshot: 2,
        w: 0.5,
        runId: 'r1',
      });
      assert.equal(neon.created, true);
      assert.equal(neon.version.baseVersionId, base.version.id);
      assert.equal(neon.version.w, 0.5);
      assert.equal(neon.version.snapshot, 2);

      // the bare name is the first version until told otherwise
      assert.equal((await resolveModel(database.db, 'flow'))?.version.id, base.version.id);
      assert.equal((await resolveModel(database.db, 'flow@neon-r1'))?.via, 'tag');
      assert.equal(await resolveModel(database.db, 'flow@neon'), undefined);
      await setAlias(database.db, 'flow', 'neon', neon.version.id);
      const viaAlias = await resolveModel(database.db, 'flow@neon');
      assert.equal(viaAlias?.version.id, neon.version.id);
      assert.equal(viaAlias?.via, 'alias');
      assert.equal(viaAlias?.version.artifactId, artifact('neon-r1').id);

      // moving the alias to a newer version
      const neon2 = await registerModelVersion(database.db, {
        model: 'flow',
        tag: 'neon-r2',
        artifact: artifact('neon-r2'),
        manifest: manifest({ family: 'flow' }),
        makeDefault: true,
      });
      await setAlias(database.db, 'flow', 'neon', neon2.version.id);
      assert.equal((await resolveModel(database.db, 'flow@neon'))?.version.id, neon2.version.id);
      assert.equal((await resolveModel(database.db, 'flow'))?.version.id, neon2.version.id);

      const listed = await listModelVersions(database.db, 'flow');
      assert.deepEqual(
        listed?.versions.map((v) => v.tag),
        ['base', 'neon-r1', 'neon-r2'],
      );
      assert.deepEqual(listed?.aliases, { default: neon2.version.id, neon: neon2.version.id });
      assert.equal(await resolveModel(database.db, 'nope'), undefined);
    });

    test('refuses a taken tag with other content, alias/tag clashes, and foreign versions', async () => {
      const v = await registerModelVersion(database.db, {
        model: 'edm',
        tag: 'base',
        artifact: artifact('edm'),
        manifest: manifest(),
      });
      await assert.rejects(
        registerModelVersion(database.db, {
          model: 'edm',
          tag: 'base',
          artifact: artifact('edm-2'),
          manifest: manifest(),
        }),
        /already exists with other content/,
      );
      await assert.rejects(setAlias(database.db, 'edm', 'base', v.version.id), /is a version tag/);
      await setAlias(database.db, 'edm', 'best', v.version.id);
      await assert.rejects(
        registerModelVersion(database.db, {
          model: 'edm',
          tag: 'best',
          artifact: artifact('edm-3'),
          manifest: manifest(),
        }),
        /is an alias/,
      );
      const other = await registerModelVersion(database.db, {
        model: 'toy',
        tag: 'base',
        artifact: artifact('toy'),
        manifest: manifest(),
      });
      await assert.rejects(setAlias(database.db, 'edm', 'x', other.version.id), /not a version of 'edm'/);
      await assert.rejects(
        registerModelVersion(database.db, {
          model: 'edm',
          tag: 'v9',
          artifact: artifact('never-recorded').id,
          manifest: manifest(),
        }),
        /not recorded/,
      );
      // racing registrations of the same content make one version
      const raced = await Promise.all(
        Array.from({ length: 5 }, () =>
          registerModelVersion(database.db, {
            model: 'race',
            tag: 'base',
            artifact: artifact('race'),
            manifest: manifest({ description: 'race' }),
          }),
        ),
      );
      assert.equal(raced.filter((r) => r.created).length, 1);
      assert.equal(new Set(raced.map((r) => r.version.id)).size, 1);
    });
  });
}
