import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { SandboxControl, createSandboxGraphClient, startM365Sandbox, type M365Sandbox } from '../../dev/m365-sandbox/index';

const body = (webUrl = 'https://teams.microsoft.com/l/entity/app/training') => ({
  topic: { source: 'text', value: 'Formation', webUrl },
  activityType: 'trainingReminder',
  previewText: { content: 'La formation est à terminer.' },
  templateParameters: [{ name: 'module', value: 'Cybersécurité' }],
});

describe('M365 sandbox: Teams activity feed notifications', () => {
  let sandbox: M365Sandbox;
  let graph: Client;
  let control: SandboxControl;

  beforeAll(async () => {
    sandbox = await startM365Sandbox();
    graph = createSandboxGraphClient(sandbox, { maxRetries: 0 });
    control = new SandboxControl(sandbox);
  });
  afterAll(() => sandbox?.stop());

  it('answers 429 with Retry-After beyond 5 requests in a sliding second per app, and records what it accepted', async () => {
    await control.clearWrites();
    const [a] = sandbox.tenant.staffIds;
    const statuses = await Promise.all(Array.from({ length: 8 }, () => graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(body()).then(() => 204, (e: { statusCode: number }) => e.statusCode)));
    expect(statuses.filter((s) => s === 204)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(await control.writes('activityNotificationSent')).toHaveLength(5);
    expect((await control.stats()).activityFeedRefused).toMatchObject({ 'sandbox-app': 3 });
    // Another app has its own budget (the sandbox reads appid from the token).
    const other = createSandboxGraphClient(sandbox, { maxRetries: 0, token: `x.${Buffer.from(JSON.stringify({ appid: 'other-app' })).toString('base64url')}.y` });
    await expect(other.api(`/users/${a}/teamwork/sendActivityNotification`).post(body())).resolves.toBeUndefined();
    // A second later the window has moved on.
    await new Promise((resolve) => setTimeout(resolve, 1050));
    await expect(graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(body())).resolves.toBeUndefined();
    // Spaced at 5 per second, nothing is refused.
    await new Promise((resolve) => setTimeout(resolve, 1050));
    for (let i = 0; i < 10; i++) {
      await graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(body());
      await new Promise((resolve) => setTimeout(resolve, 210));
    }
  });

  it('answers Graph’s 403 for a user the app is not installed for (control API), others unaffected', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const [a, b] = sandbox.tenant.staffIds;
    await control.setTeamsAppNotInstalled([a!]);
    const error = await graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(body()).then(() => null, (e: { statusCode: number; code: string; message: string }) => e);
    expect(error).toMatchObject({ statusCode: 403, code: 'Forbidden' });
    expect(error!.message).toMatch(/Ensure that the expected Teams app is installed in the target scope/);
    await expect(graph.api(`/users/${b}/teamwork/sendActivityNotification`).post(body())).resolves.toBeUndefined();
    expect(await control.request('GET', '/teams-app/not-installed')).toEqual({ userIds: [a] });
    await control.setTeamsAppNotInstalled([]);
    await expect(graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(body())).resolves.toBeUndefined();
  });

  it('refuses a text topic without webUrl', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const [a] = sandbox.tenant.staffIds;
    const b = body();
    delete (b.topic as { webUrl?: string }).webUrl;
    await expect(graph.api(`/users/${a}/teamwork/sendActivityNotification`).post(b)).rejects.toMatchObject({ statusCode: 400 });
  });
});
