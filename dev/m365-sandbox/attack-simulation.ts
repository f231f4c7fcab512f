import { randomUUID } from 'node:crypto';
import { Prng, mixSeed } from './prng';
import type { SandboxUser } from './tenant-seed';

/**
 * Microsoft Defender's Attack Simulation Training as Graph v1.0 shows it: simulations
 * (`microsoft.graph.simulation`) and, per simulation, the users' report
 * (`microsoft.graph.userSimulationDetails`: simulation and training events, training counts,
 * `simulationUser`). Shapes follow Microsoft's "simulation resource type", "Get simulation"
 * (example 6: report/simulationUsers), "userSimulationDetails", "userTrainingEventInfo",
 * "userTrainingContentEventInfo" and "attackSimulationUser" pages.
 */

export type TrainingStatus = 'assigned' | 'inProgress' | 'completed' | 'overdue';

export interface SandboxTraining {
  displayName: string;
  status: TrainingStatus;
  assignedDateTime: string;
  updatedDateTime: string | null;
  completedDateTime: string | null;
}

export interface SandboxSimulationUser {
  userId: string;
  displayName: string;
  email: string | null;
  deliveredDateTime: string;
  compromisedDateTime: string | null;
  reportedPhishDateTime: string | null;
  trainings: SandboxTraining[];
}

export interface SandboxSimulation {
  id: string;
  displayName: string;
  description: string;
  attackTechnique: 'credentialHarvesting' | 'attachmentMalware' | 'driveByUrl' | 'linkInAttachment' | 'linkToMalwareFile';
  status: 'draft' | 'running' | 'scheduled' | 'succeeded' | 'failed' | 'cancelled' | 'excluded';
  createdDateTime: string;
  lastModifiedDateTime: string;
  launchDateTime: string | null;
  completionDateTime: string | null;
  durationInDays: number;
  users: SandboxSimulationUser[];
}

const ADMIN = { id: '7d3b1c52-4e0a-4f6b-9c1d-2a8e5f60b7a1', displayName: 'Administration TI', email: 'admin.ti@syndicat-exemple.onmicrosoft.com' };
const TRAININGS = ['Hameçonnage : reconnaître les signes', 'Mots de passe et authentification multifacteur', 'Signaler un courriel suspect'];
// Documentation addresses (RFC 5737): the report carries an IP per event, none of them real.
const CLIENT = { ipAddress: '192.0.2.10', osPlatformDeviceDetails: 'Windows 11', browser: 'Edge' };

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86_400_000;
/** The seed's "today": no seeded event is later, so none is in the future for a test. */
const SEED_NOW = Date.parse('2026-11-30T18:00:00Z');

export class AttackSimulationStore {
  readonly simulations: SandboxSimulation[] = [];

  /**
   * Three campaigns over the enabled staff, at fixed dates so every default sandbox serves the same
   * report: two finished (October and November 2026) and one running since late November. Each
   * targeted person got one or two trainings; some completed them, some are in progress, some have
   * not started or are overdue. Its own random stream: adding it changed no other id of the seed.
   */
  static seeded(seed: number, users: SandboxUser[]): AttackSimulationStore {
    const store = new AttackSimulationStore();
    const prng = new Prng(mixSeed(seed, 'attack-simulation'));
    const staff = users.filter((u) => u.userType === 'Member' && !u.isSharedMailbox && u.accountEnabled);
    const campaigns = [
      { name: 'Facture impayée (octobre 2026)', technique: 'credentialHarvesting' as const, launch: Date.parse('2026-10-05T13:00:00Z'), days: 14, status: 'succeeded' as const, share: 1 },
      { name: 'Colis en attente (novembre 2026)', technique: 'driveByUrl' as const, launch: Date.parse('2026-11-02T14:00:00Z'), days: 14, status: 'succeeded' as const, share: 0.6 },
      { name: 'Mise à jour de la convention (en cours)', technique: 'linkInAttachment' as const, launch: Date.parse('2026-11-24T14:00:00Z'), days: 21, status: 'running' as const, share: 0.5 },
    ];
    for (const c of campaigns) {
      const targets = staff.filter(() => prng.chance(c.share));
      const now = Math.min(c.launch + c.days * DAY, SEED_NOW);
      const simulation: SandboxSimulation = {
        id: prng.guid(),
        displayName: c.name,
        description: 'Simulation d’hameçonnage du syndicat',
        attackTechnique: c.technique,
        status: c.status,
        createdDateTime: iso(c.launch - 7 * DAY),
        lastModifiedDateTime: iso(c.launch - DAY),
        launchDateTime: iso(c.launch),
        completionDateTime: iso(c.launch + c.days * DAY),
        durationInDays: c.days,
        users: [],
      };
      for (const user of targets) {
        const delivered = c.launch + prng.int(1, 120) * 60_000;
        const compromised = prng.chance(0.3) ? delivered + prng.int(5, 600) * 60_000 : null;
        const reported = compromised === null && prng.chance(0.4) ? delivered + prng.int(5, 600) * 60_000 : null;
        const count = prng.chance(0.2) ? 2 : 1;
        const trainings: SandboxTraining[] = [];
        for (let i = 0; i < count; i++) {
          const assigned = delivered + DAY;
          // A running campaign's trainings are younger: fewer of them are done.
          const draw = prng.next() * (c.status === 'running' ? 0.7 : 1);
          const status: TrainingStatus = draw < 0.3 ? 'assigned' : draw < 0.5 ? 'inProgress' : draw < 0.6 ? 'overdue' : 'completed';
          const updated = status === 'assigned' ? null : Math.min(assigned + prng.int(1, 5) * DAY, now);
          const done = status === 'completed' ? Math.min(updated! + prng.int(1, 48) * 3_600_000, now) : null;
          trainings.push({ displayName: TRAININGS[(i + prng.int(0, 2)) % TRAININGS.length]!, status, assignedDateTime: iso(assigned), updatedDateTime: updated === null ? null : iso(updated), completedDateTime: done === null ? null : iso(done) });
        }
        simulation.users.push({
          userId: user.id,
          displayName: user.displayName,
          email: user.mail,
          deliveredDateTime: iso(delivered),
          compromisedDateTime: compromised === null ? null : iso(compromised),
          reportedPhishDateTime: reported === null ? null : iso(reported),
          trainings,
        });
      }
      store.simulations.push(simulation);
    }
    return store;
  }

  find(id: string): SandboxSimulation | undefined {
    return this.simulations.find((s) => s.id === id);
  }

  /** A campaign made by a test: each user gets one training, assigned and not started. */
  create(input: { displayName: string; status: SandboxSimulation['status']; launchDateTime: string; durationInDays: number; users: SandboxUser[] }): SandboxSimulation {
    const launch = Date.parse(input.launchDateTime);
    const simulation: SandboxSimulation = {
      id: randomUUID(),
      displayName: input.displayName,
      description: 'Simulation créée par le contrôle du bac à sable',
      attackTechnique: 'credentialHarvesting',
      status: input.status,
      createdDateTime: iso(launch - DAY),
      lastModifiedDateTime: iso(launch - DAY),
      launchDateTime: iso(launch),
      completionDateTime: iso(launch + input.durationInDays * DAY),
      durationInDays: input.durationInDays,
      users: input.users.map((u) => ({
        userId: u.id,
        displayName: u.displayName,
        email: u.mail,
        deliveredDateTime: iso(launch + 60_000),
        compromisedDateTime: iso(launch + 600_000),
        reportedPhishDateTime: null,
        trainings: [{ displayName: TRAININGS[0]!, status: 'assigned', assignedDateTime: iso(launch + 3_600_000), updatedDateTime: null, completedDateTime: null }],
      })),
    };
    this.simulations.push(simulation);
    return simulation;
  }

  /** Marks a person's trainings in a campaign (all, or the one named) in progress or completed. */
  setTraining(simulation: SandboxSimulation, userId: string, change: { status: 'inProgress' | 'completed'; at: string; training?: string }): SandboxSimulationUser | undefined {
    const user = simulation.users.find((u) => u.userId === userId);
    if (!user) return undefined;
    for (const t of user.trainings) {
      if (change.training !== undefined && t.displayName !== change.training) continue;
      t.status = change.status;
      t.updatedDateTime ??= change.at;
      if (change.status === 'completed') t.completedDateTime = change.at;
    }
    return user;
  }
}

/** `microsoft.graph.simulation` as Graph's list and get answer it. */
export function simulationJson(s: SandboxSimulation): Record<string, unknown> {
  return {
    id: s.id,
    displayName: s.displayName,
    description: s.description,
    attackType: 'social',
    attackTechnique: s.attackTechnique,
    status: s.status,
    createdDateTime: s.createdDateTime,
    createdBy: ADMIN,
    lastModifiedDateTime: s.lastModifiedDateTime,
    lastModifiedBy: ADMIN,
    launchDateTime: s.launchDateTime,
    completionDateTime: s.completionDateTime,
    isAutomated: false,
    automationId: null,
    durationInDays: s.durationInDays,
    payloadDeliveryPlatform: 'email',
  };
}

function contentEvent(at: string | null): Record<string, unknown> | null {
  return at === null ? null : { contentDateTime: at, ...CLIENT, potentialScoreImpact: 5.0 };
}

/** `microsoft.graph.userSimulationDetails`: one person's events and trainings in one campaign. */
export function simulationUserJson(u: SandboxSimulationUser): Record<string, unknown> {
  const events = [{ eventName: 'SuccessfullyDeliveredEmail', eventDateTime: u.deliveredDateTime, ...CLIENT }];
  if (u.compromisedDateTime) events.push({ eventName: 'EmailLinkClicked', eventDateTime: u.compromisedDateTime, ...CLIENT });
  if (u.reportedPhishDateTime) events.push({ eventName: 'ReportedEmail', eventDateTime: u.reportedPhishDateTime, ...CLIENT });
  return {
    isCompromised: u.compromisedDateTime !== null,
    compromisedDateTime: u.compromisedDateTime,
    reportedPhishDateTime: u.reportedPhishDateTime,
    simulationEvents: events,
    trainingEvents: u.trainings.map((t) => ({
      displayName: t.displayName,
      latestTrainingStatus: t.status,
      trainingAssignedProperties: contentEvent(t.assignedDateTime),
      trainingUpdatedProperties: contentEvent(t.updatedDateTime),
      trainingCompletedProperties: contentEvent(t.completedDateTime),
    })),
    assignedTrainingsCount: u.trainings.length,
    completedTrainingsCount: u.trainings.filter((t) => t.status === 'completed').length,
    inProgressTrainingsCount: u.trainings.filter((t) => t.status === 'inProgress').length,
    simulationUser: { userId: u.userId, displayName: u.displayName, email: u.email },
  };
}
