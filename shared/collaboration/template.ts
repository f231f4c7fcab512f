import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfigFile } from '../platform/config-file';
import { packageRoot } from '../platform/package-root';

/**
 * The collective tree ("arborescence collective") as a versioned template (config/collaboration-template.json):
 * for each kind of space (one per service; project spaces from requests), the nodes of its
 * classification plan with their names, permissions per role, retention label, repair policy and
 * the document templates placed in them. A change is a new version of the file. Nodes are
 * addressed by a stable key: renaming a node in a new version renames the folder in place.
 */

const Names = z.object({ 'fr-CA': z.string().min(1).max(100), en: z.string().min(1).max(100) });
const Role = z.enum(['read', 'write']);
export type AccessRole = z.infer<typeof Role>;

/** What to do when verification finds a node no longer as the template says. */
export const REPAIR_POLICIES = ['auto', 'ask', 'ignore'] as const;
export type RepairPolicy = (typeof REPAIR_POLICIES)[number];

/**
 * Grants a node adds on top of what it inherits. Service members' access comes from the space's
 * membership (the Team), so it is not repeated per folder.
 */
const Permissions = z
  .object({
    /** The service's managers (job categories in `managers`). */
    manager: Role.optional(),
    /** The union's direction (job categories in `direction`). */
    direction: Role.optional(),
    /** Everyone on staff (the `everyoneGroup`). */
    everyone: z.literal('read').optional(),
    /** Named Entra groups, by display name. */
    groups: z.array(z.object({ group: z.string().min(1), role: Role })).default([]),
  })
  .strict();

// Characters SharePoint refuses in a folder name, and the leading/trailing forms it refuses.
const FOLDER_NAME_FORBIDDEN = /["*:<>?/\\|#%]|^\s|\s$|\.$|^~\$/;

interface NodeInput {
  key: string;
  code: string;
  names: { 'fr-CA': string; en: string };
  permissions?: z.input<typeof Permissions>;
  retentionLabel?: string | null;
  documents?: string[];
  repair?: RepairPolicy;
  children?: NodeInput[];
}

export interface TemplateNode {
  key: string;
  code: string;
  names: { 'fr-CA': string; en: string };
  permissions: z.infer<typeof Permissions>;
  retentionLabel: string | null;
  documents: string[];
  repair?: RepairPolicy | undefined;
  children: TemplateNode[];
}

const Node: z.ZodType<TemplateNode, NodeInput> = z.lazy(() =>
  z
    .object({
      /** Stable for the node's whole life: folders are matched by key, never by name. */
      key: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected a key of lower-case letters, digits or - (up to 40), starting with a letter'),
      /** The classification plan's code (e.g. "100", "120.10"). */
      code: z.string().regex(/^[0-9A-Z][0-9A-Z.-]{0,15}$/, 'expected a classification code (digits, upper-case letters, . or -)'),
      names: Names.refine((n) => !FOLDER_NAME_FORBIDDEN.test(n['fr-CA']), 'the French name is the folder name: no " * : < > ? / \\ | # %, no leading or trailing space, no final dot'),
      permissions: Permissions.default({ groups: [] }),
      retentionLabel: z.string().min(1).nullable().default(null),
      documents: z.array(z.string().min(1)).default([]),
      /** Inherited from the parent, then the space kind (default auto). */
      repair: z.enum(REPAIR_POLICIES).optional(),
      children: z.array(Node).default([]),
    })
    .strict(),
);

const PrincipalRule = z.object({ jobCategories: z.array(z.string().min(1)).min(1) });

const DOCUMENT_KINDS = ['word', 'excel', 'powerpoint', 'email'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

const DocumentTemplate = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected a key of lower-case letters, digits or -'),
    kind: z.enum(DOCUMENT_KINDS),
    names: Names,
    /** The file in the repository (config/document-templates/...), copied as is. */
    file: z.string().regex(/^config\/document-templates\/[^/]+\.(dotx|xltx|potx|oft|html)$/, 'expected config/document-templates/<name>.dotx|xltx|potx|oft|html'),
    /** Bumped when the file changes; the copies in every space are then replaced. */
    version: z.string().min(1),
  })
  .strict();
export type DocumentTemplate = z.infer<typeof DocumentTemplate>;

const SpaceKind = z
  .object({
    /** Team name; {SHORTCODE}, {shortCode}, {service} (French name) and {name} (project name) are filled in. */
    teamName: z.string().min(1),
    description: Names,
    /** Sensitivity label of the Team's Microsoft 365 group (container label), by name. */
    sensitivityLabel: z.string().min(1).nullable().default(null),
    repair: z.enum(REPAIR_POLICIES).default('auto'),
    /** Top-level nodes become channels; their children are folders in the channel's folder. */
    nodes: z.array(Node).min(1),
  })
  .strict();

export const CollaborationTemplateFile = z
  .object({
    $comment: z.string().optional(),
    version: z.string().min(1),
    /** Folder name of a node; {code} and {name} (French) are filled in. */
    folderName: z.string().min(1).default('{code} {name}'),
    managers: PrincipalRule,
    direction: PrincipalRule,
    everyoneGroup: z.string().min(1),
    spaces: z.object({ service: SpaceKind, project: SpaceKind }).strict(),
    documentTemplates: z.array(DocumentTemplate).default([]),
    /** Document library that holds the union's templates (the organisation assets library). */
    templateLibrary: z.object({ site: z.string().min(1), folder: z.string().min(1) }).strict(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const templates = new Set(file.documentTemplates.map((d) => d.key));
    const seenTemplates = new Set<string>();
    file.documentTemplates.forEach((d, i) => {
      if (seenTemplates.has(d.key)) ctx.addIssue({ code: 'custom', message: `duplicate document template key ${d.key}`, path: ['documentTemplates', i, 'key'] });
      seenTemplates.add(d.key);
    });
    for (const kind of ['service', 'project'] as const) {
      // A node's identity is its key path (parent/child): keys are unique among siblings.
      const walk = (nodes: TemplateNode[], at: Array<string | number>, siblingsAtTop: boolean) => {
        const names = new Set<string>();
        const keys = new Set<string>();
        nodes.forEach((node, i) => {
          const here = [...at, i];
          if (keys.has(node.key)) ctx.addIssue({ code: 'custom', message: `duplicate node key ${node.key} among its siblings`, path: [...here, 'key'] });
          keys.add(node.key);
          const name = folderName(file.folderName, node).toLocaleLowerCase('fr-CA');
          if (names.has(name)) ctx.addIssue({ code: 'custom', message: `two sibling nodes would both be named "${folderName(file.folderName, node)}"`, path: [...here, 'names'] });
          names.add(name);
          if (siblingsAtTop && folderName(file.folderName, node).length > 50) ctx.addIssue({ code: 'custom', message: 'a top-level node is a Teams channel: its name must be 50 characters or fewer', path: [...here, 'names'] });
          node.documents.forEach((d, j) => {
            if (!templates.has(d)) ctx.addIssue({ code: 'custom', message: `unknown document template ${d}`, path: [...here, 'documents', j] });
          });
          walk(node.children, [...here, 'children'], false);
        });
      };
      walk(file.spaces[kind].nodes, ['spaces', kind, 'nodes'], true);
    }
  });
export type CollaborationTemplateFile = z.infer<typeof CollaborationTemplateFile>;

/** The French name filled into the folder name pattern. */
export function folderName(pattern: string, node: Pick<TemplateNode, 'code' | 'names'>): string {
  return pattern.replaceAll('{code}', node.code).replaceAll('{name}', node.names['fr-CA']).trim();
}

/** For problems in a node: which node, by its key path, so the editor finds it without counting. */
function describeNode(json: unknown, at: Array<string | number>): string | null {
  let current: unknown = json;
  const keys: string[] = [];
  for (const part of at) {
    if (current === null || typeof current !== 'object') break;
    current = (current as Record<string | number, unknown>)[part];
    const node = current as { key?: unknown; code?: unknown } | null;
    if (node && typeof node === 'object' && !Array.isArray(node) && typeof node.key === 'string' && node.code !== undefined) keys.push(node.key);
  }
  return keys.length > 0 ? `node ${keys.join('/')}` : null;
}

export function parseCollaborationTemplate(text: string, name: string): CollaborationTemplateFile {
  return parseConfigFile(CollaborationTemplateFile, text, `collaboration template ${name}`, describeNode);
}

export function loadCollaborationTemplate(file: string): CollaborationTemplateFile {
  const full = path.isAbsolute(file) ? file : path.join(packageRoot(), file);
  return parseCollaborationTemplate(readFileSync(full, 'utf8'), file);
}
