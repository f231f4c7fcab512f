/** Shapes of the training endpoints' answers (functions/training), as the page reads them. */
export type Texts = { 'fr-CA': string; en: string };
export type ModuleKind = 'content' | 'reading' | 'quiz';
export type AssignmentStatus = 'open' | 'completed' | 'closed';
export type CompletionMethod = 'quiz' | 'attestation' | 'content' | 'manual' | 'import' | 'attack-simulation';

export interface MyItem {
  moduleId: string;
  title: Texts;
  description: Texts;
  kind: ModuleKind;
  estimatedMinutes: number;
  status: AssignmentStatus;
  overdue: boolean;
  paused: boolean;
  dueDate: string;
  cycle: number;
  attempts: number;
  maxAttempts: number | null;
  url: Texts | null;
  lastCompletion: { cycle: number; completedAt: string; method: CompletionMethod; score?: number } | null;
  nextCycleDate: string | null;
  completedCycles: number[];
}

export interface Quiz {
  moduleId: string;
  title: Texts;
  passMark: number;
  maxAttempts: number | null;
  attemptsUsed: number;
  questions: { id: string; kind: 'single' | 'multiple'; prompt: Texts; choices: { id: string; text: Texts }[] }[];
}

export interface QuizResult {
  passed: boolean;
  score: number;
  passMark: number;
  attemptsUsed: number;
  attemptsLeft: number | null;
  results: { questionId: string; correct: boolean; correctChoices: string[]; explanation: Texts }[];
}

export interface Reading {
  text: Texts;
  attestation: Texts;
  versionHash: string;
}

export interface Certificate {
  person: { displayName: string | null };
  module: { id: string; title: Texts };
  cycle: number;
  completedAt: string;
  method: CompletionMethod;
  score: number | null;
  attestationHash: string | null;
  catalogueVersion: string;
}

export interface TeamItem {
  moduleId: string;
  title: Texts;
  status: AssignmentStatus;
  dueDate: string;
  overdue: boolean;
  overdueBusinessDays: number;
  /** On leave: the due date is frozen. */
  paused?: boolean;
}

export interface Team {
  /** displayName null: the directory no longer knows the person (never replaced by an id). */
  people: { personId: string; displayName: string | null; onLeave?: boolean; items: TeamItem[] }[];
  overdue: number;
}

export interface GroupCount {
  code: string | null;
  names: Texts | null;
  assigned: number;
  completed: number;
  overdue: number;
}

export interface OverdueRow {
  personId: string;
  displayName: string | null;
  serviceCode: string | null;
  serviceNames: Texts | null;
  moduleId: string;
  title: Texts;
  dueDate: string;
  overdueBusinessDays: number;
}

export interface Compliance {
  byService: GroupCount[];
  byJobCategory: GroupCount[];
  byModule: { moduleId: string; title: Texts; assigned: number; completed: number; overdue: number }[];
  overdue: OverdueRow[];
  catalogueVersion: string;
}

export interface ImportReport {
  accepted: number;
  rejected: { line: number; field: string; problem: Texts }[];
  applied: boolean;
  /** Once applied: how many open assignments the import completed (the others were already done). */
  completed?: number;
}
