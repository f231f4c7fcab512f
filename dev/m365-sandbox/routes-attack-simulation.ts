import { simulationJson, simulationUserJson, type SandboxSimulation } from './attack-simulation';
import { route, type Route, type SandboxState } from './context';
import { GraphError, badRequest, compileFilter, ok, pageOf, type GraphCall } from './graph-http';

/**
 * Attack Simulation Training reads (permission AttackSimulation.Read.All, which the sandbox does
 * not check, like every other permission):
 *   GET /security/attackSimulation/simulations                                   $count $filter $orderby $skipToken $top $select
 *   GET /security/attackSimulation/simulations/{id}
 *   GET /security/attackSimulation/simulations/{id}/report/simulationUsers       $count $skipToken $top
 * Microsoft documents that a collection spanning several pages carries `@odata.nextLink`, not its
 * page sizes: the sandbox pages simulations by 10 and users by 20 so that clients must follow links.
 */
const FILTERABLE = ['attackTechnique', 'attackType', 'completionDateTime', 'displayName', 'isAutomated', 'launchDateTime', 'status'];

function findSimulation(state: SandboxState, id: string): SandboxSimulation {
  const simulation = state.attackSimulation.find(id);
  // Graph's exact error for an unknown simulation is not documented; a 404 in Graph's body is the sandbox's reading.
  if (!simulation) throw new GraphError(404, 'NotFound', `Simulation '${id}' was not found.`);
  return simulation;
}

function orderBy(call: GraphCall, items: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const order = call.query.get('$orderby');
  if (!order) return items;
  const m = /^(\w+)(?:\s+(asc|desc))?$/i.exec(order.trim());
  if (!m || !FILTERABLE.includes(m[1]!)) throw badRequest(`Invalid $orderby: ${order}. Supported properties: ${FILTERABLE.join(', ')}.`);
  const key = m[1]!;
  const sign = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => sign * String(a[key] ?? '').localeCompare(String(b[key] ?? '')));
}

function listSimulations(call: GraphCall, state: SandboxState) {
  const filterText = call.query.get('$filter');
  for (const m of (filterText ?? '').matchAll(/([A-Za-z]+)\s+(?:eq|ne|ge|gt|le|lt)\s/g)) {
    if (!FILTERABLE.includes(m[1]!)) throw badRequest(`Invalid filter clause: the property '${m[1]}' does not support $filter.`);
  }
  const filter = compileFilter(filterText);
  const all = state.attackSimulation.simulations.map(simulationJson);
  const selected = orderBy(call, filter ? all.filter((s) => filter(s)) : all);
  const page = pageOf(call, selected, { defaultPageSize: 10, maxPageSize: 1000, context: 'security/attackSimulation/simulations' });
  if (call.query.get('$count') === 'true') (page.body as Record<string, unknown>)['@odata.count'] = selected.length;
  return page;
}

function listSimulationUsers(call: GraphCall, simulation: SandboxSimulation) {
  for (const option of ['$filter', '$orderby', '$select', '$expand']) {
    if (call.query.has(option)) throw badRequest(`Query option '${option}' is not supported on report/simulationUsers (supported: $count, $skipToken, $top).`);
  }
  const page = pageOf(call, simulation.users, { defaultPageSize: 20, maxPageSize: 1000, project: simulationUserJson, context: `security/attackSimulation/simulations('${simulation.id}')/report/simulationUsers` });
  if (call.query.get('$count') === 'true') (page.body as Record<string, unknown>)['@odata.count'] = simulation.users.length;
  return page;
}

export const attackSimulationRoutes: Route[] = [
  route('GET', /^\/security\/attackSimulation\/simulations$/, (call, _m, state) => listSimulations(call, state)),
  route('GET', /^\/security\/attackSimulation\/simulations\/([^/]+)$/, (_call, [, id], state) => ok(simulationJson(findSimulation(state, id!)))),
  route('GET', /^\/security\/attackSimulation\/simulations\/([^/]+)\/report\/simulationUsers$/, (call, [, id], state) => listSimulationUsers(call, findSimulation(state, id!))),
];
