import type { Database } from '@azure/cosmos';
import { CosmosRosterStore } from '../../shared/collaboration/adapters/cosmos-collaboration';
import { CosmosPeople } from '../../shared/people/adapters/cosmos-people';
import type { PersonState } from '../../shared/people/model';
import type { PersonRecord } from '../../shared/people/ports';

/** A person as the people capability stores them, for seeding the app's Cosmos DB in tests. */
export function person(id: string, displayName: string, state: Partial<PersonState>): PersonRecord {
  const full: PersonState = { status: 'active', leftReason: null, serviceCode: null, jobCategoryCode: null, managerId: null, language: 'fr-CA', employeeType: 'Employee', hireDate: '2020-01-06', leaveDate: null, ...state };
  return {
    id,
    facts: { displayName, service: null, jobCategory: null, managerId: full.managerId, preferredLanguage: full.language, accountEnabled: true, userType: 'Member', employeeType: full.employeeType, hireDate: full.hireDate, leaveDateTime: null, leaveValue: null, deleted: false },
    memberships: { inScope: true, inLeaveGroup: false },
    state: full,
    version: 1,
    catalogueVersion: '2026.1',
    outbox: [],
    updatedAt: '2026-12-01T12:00:00Z',
  };
}

/** Ends what a test file's host left running in the shared task hub, so another file's host does not resume it. */
export async function terminateInstances(baseUrl: string, instanceIds: string[]): Promise<void> {
  for (const id of instanceIds) {
    await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}/terminate?reason=test-end`, { method: 'POST' }).catch(() => undefined);
  }
}

/**
 * Seeds someone where the app looks: the people capability (their name) and collaboration's roster
 * (service, job category, status, language), as the people stream would have left them.
 */
export async function seedPerson(database: Database, id: string, displayName: string, state: Partial<PersonState> & { serviceCode: string; jobCategoryCode: string }): Promise<void> {
  const record = person(id, displayName, state);
  await new CosmosPeople(database).save(record);
  await new CosmosRosterStore(database).put({ personId: id, serviceCode: record.state.serviceCode, jobCategoryCode: record.state.jobCategoryCode, status: record.state.status, language: record.state.language, version: 1 });
}
