import { settings } from '../../shared/platform/settings';
import { attackSimulationDeps } from '../../shared/training/adapters/training-services';
import { importAttackSimulationCompletions } from '../../shared/training/external-completions';
import { onTimer, type TimerTrigger } from '../triggers';

/**
 * Optional connector (docs/decisions/0010-training.md, "Attack Simulation Training connector"):
 * daily, completions from Microsoft Defender's Attack Simulation Training complete the catalogue's
 * module marked `attackSimulation`. Registered always, so turning it on is a setting, not a
 * deployment; while TRAINING_ATTACK_SIMULATION is off it only says so (no Graph call: the app may
 * not hold AttackSimulation.Read.All). Logs carry counts only, never a person.
 */
export const attackSimulationTimer: Pick<TimerTrigger, 'event' | 'handle'> = {
  event: 'training.attack-simulation',
  async handle(log) {
    if (!settings().training.attackSimulation.enabled) {
      log.info('training.attack-simulation', { state: 'off' });
      return;
    }
    const outcome = await importAttackSimulationCompletions(attackSimulationDeps());
    if (outcome.kind === 'no-module') {
      log.warn('training.attack-simulation', { state: 'on', outcome: 'no-module' });
      return;
    }
    const { kind: _kind, ...counts } = outcome;
    log.info('training.attack-simulation', { state: 'on', ...counts });
  },
};

onTimer('trainingAttackSimulation', { ...attackSimulationTimer, schedule: '%TRAINING_ATTACK_SIMULATION_SCHEDULE%' });
