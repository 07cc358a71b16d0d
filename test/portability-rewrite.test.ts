import { describe, expect, it } from 'vitest';
import { canonicalLines, sameGraph } from '../src/rdf.js';
import { managerOnlyAcr, writeAcrRules } from '../src/access/acr-rules.js';
import { mergeProfile, portAcr, rewriteQuads } from '../src/portability/rewrite.js';
import { ArchiveError, podPathOf } from '../src/portability/archive-format.js';
import { parseTurtle } from '../src/rdf.js';

const mapping = {
  oldPod: 'http://old.example/alice/',
  newPod: 'https://new.example/al/',
  oldWebId: 'http://old.example/alice/profile/card#me',
  newWebId: 'https://new.example/al/profile/card#me',
};

describe("rewriting a pod's IRIs", () => {
  it('rewrites subjects, predicates, objects and datatypes, never literal text', () => {
    const quads = parseTurtle(
      `
      @prefix as: <https://www.w3.org/ns/activitystreams#>.
      <2025-01-01.ttl#p1> a as:Note; as:attributedTo <http://old.example/alice/profile/card#me>;
        as:content "see http://old.example/alice/ for more";
        <http://old.example/alice/vocab#score> "3"^^<http://old.example/alice/vocab#points>;
        as:inReplyTo <http://bob.example/posts/1.ttl#p>.`,
      'http://old.example/alice/social/posts/2025-01-01.ttl',
    );
    const out = rewriteQuads(quads, mapping);
    const lines = canonicalLines(out).join('\n');
    expect(lines).toContain(
      '<https://new.example/al/social/posts/2025-01-01.ttl#p1> <https://www.w3.org/ns/activitystreams#attributedTo> <https://new.example/al/profile/card#me>',
    );
    expect(lines).toContain('"see http://old.example/alice/ for more"');
    expect(lines).toContain('<https://new.example/al/vocab#score> "3"^^<https://new.example/al/vocab#points>');
    expect(lines).toContain('<http://bob.example/posts/1.ttl#p>');
    expect(lines.replace('"see http://old.example/alice/ for more"', '')).not.toContain('old.example');
  });

  const destination = {
    podUrl: mapping.newPod,
    webId: mapping.newWebId,
    managerClientId: 'mgr_new',
    issuer: 'https://new.example/',
    sameOwner: false,
    oldManagerClientId: 'mgr_old',
    oldIssuer: 'http://old.example/',
  };

  it('keeps Client ID Document grants, drops client-credential grants, binds what it keeps to the new server', () => {
    const acrUrl = 'http://old.example/alice/social/inbox/.acr';
    const acr = parseTurtle(
      `
      @prefix acp: <http://www.w3.org/ns/solid/acp#>. @prefix acl: <http://www.w3.org/ns/auth/acl#>.
      <#acr> a acp:AccessControlResource; acp:resource <./>; acp:accessControl <#a>, <#b>; ` +
        `acp:memberAccessControl <#a>, <#b>.
      <#a> a acp:AccessControl; acp:apply <#a-policy>.
      <#a-policy> a acp:Policy; acp:allow acl:Read; acp:allOf <#a-agent>, <#a-client>.
      <#a-agent> a acp:Matcher; acp:agent <http://old.example/alice/profile/card#me>.
      <#a-client> a acp:Matcher; acp:client <https://app.example/id>.
      <#b> a acp:AccessControl; acp:apply <#b-policy>.
      <#b-policy> a acp:Policy; acp:allow acl:Read, acl:Write; acp:allOf <#b-agent>, <#b-client>.
      <#b-agent> a acp:Matcher; acp:agent <http://old.example/alice/profile/card#me>.
      <#b-client> a acp:Matcher; acp:client "bot_1234".`,
      acrUrl,
    );
    const resource = 'https://new.example/al/social/inbox/';
    const { rules, dropped, refused } = portAcr(rewriteQuads(acr, mapping), resource, destination);
    expect(dropped).toEqual([{ clientId: 'bot_1234', modes: ['Read', 'Write'] }]);
    expect(refused).toEqual([]);
    expect(rules).toEqual([{ kind: 'client', clientId: 'https://app.example/id', modes: ['Read'], issuerBound: true }]);
    const text = canonicalLines(writeAcrRules(resource, rules, destination)).join('\n');
    expect(text).toContain('<https://app.example/id>');
    expect(text).toContain('<http://www.w3.org/ns/solid/acp#issuer> <https://new.example/>');
    expect(text).toContain('<http://www.w3.org/ns/solid/acp#agent> <https://new.example/al/profile/card#me>');
    expect(text).not.toContain('bot_1234');
    // Restoring into the same pod keeps every grant.
    const same = {
      ...destination,
      podUrl: mapping.oldPod,
      webId: mapping.oldWebId,
      issuer: 'http://old.example/',
      sameOwner: true,
    };
    expect(portAcr(acr, 'http://old.example/alice/social/inbox/', same).dropped).toEqual([]);
  });

  it('keeps a manager-only deny rule working: the new manager is the exception, not nobody', () => {
    const resource = 'http://old.example/alice/settings/hearth-apps.ttl';
    const old = managerOnlyAcr(resource, { managerClientId: 'mgr_old', issuer: 'http://old.example/' });
    const target = 'https://new.example/al/settings/hearth-apps.ttl';
    const { rules, refused } = portAcr(rewriteQuads(old, mapping), target, destination);
    expect(refused).toEqual([]);
    expect(sameGraph(writeAcrRules(target, rules, destination), managerOnlyAcr(target, destination))).toBe(true);
  });

  it("merges the profile: the new server's links stay, the rest of the old profile comes along", () => {
    const old = rewriteQuads(
      parseTurtle(
        `
      @prefix solid: <http://www.w3.org/ns/solid/terms#>. @prefix foaf: <http://xmlns.com/foaf/0.1/>. @prefix ldp: <http://www.w3.org/ns/ldp#>.
      <#me> solid:oidcIssuer <http://old.example/>; ldp:inbox <../social/inbox/>; foaf:name "Alice"; foaf:img <avatar.png>.`,
        'http://old.example/alice/profile/card',
      ),
      mapping,
    );
    const current = parseTurtle(
      `
      @prefix solid: <http://www.w3.org/ns/solid/terms#>. @prefix ldp: <http://www.w3.org/ns/ldp#>.
      <#me> solid:oidcIssuer <https://new.example/>; ldp:inbox <https://new.example/al/social/inbox/>.`,
      'https://new.example/al/profile/card',
    );
    const merged = canonicalLines(mergeProfile(old, current, mapping.newWebId)).join('\n');
    expect(merged).toContain('<https://new.example/>');
    expect(merged).not.toContain('<http://old.example/>');
    expect(merged).toContain('"Alice"');
    expect(merged).toContain('<https://new.example/al/profile/avatar.png>');
    expect(
      sameGraph(
        mergeProfile(old, mergeProfile(old, current, mapping.newWebId), mapping.newWebId),
        mergeProfile(old, current, mapping.newWebId),
      ),
    ).toBe(true);
  });

  it('compares graphs with blank nodes up to renaming', () => {
    const a = parseTurtle('<a> <p> [ <q> [ <r> "1" ] ], [ <q> "2" ].', 'http://x/');
    const b = parseTurtle('<a> <p> [ <q> "2" ], [ <q> [ <r> "1" ] ].', 'http://x/');
    const c = parseTurtle('<a> <p> [ <q> "2" ], [ <q> [ <r> "3" ] ].', 'http://x/');
    expect(sameGraph(a, b)).toBe(true);
    expect(sameGraph(a, c)).toBe(false);
  });

  it('refuses archive entry names that leave the pod', () => {
    for (const name of [
      'resources/../x',
      'resources/a/../../x',
      'resources/a/%2E%2E/x',
      'resources//x',
      'resources/a\\b',
      'other/x',
      'resources/a?b',
    ]) {
      expect(() => podPathOf(name), name).toThrow(ArchiveError);
    }
    expect(podPathOf('resources/social/posts/2025-01-01.ttl')).toBe('social/posts/2025-01-01.ttl');
  });
});
