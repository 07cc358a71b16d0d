import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Community Solid Server for the whole run, started in test/support/global-setup.ts.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CSS 7.2 imports oidc-provider through `jest.requireActual` when NODE_ENV is "test" (IdentityUtil.js),
    // which breaks every token request outside Jest. Vitest sets "test"; the servers started in workers need another.
    env: { NODE_ENV: 'development' },
  },
});
