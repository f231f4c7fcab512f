import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from '../../shared/platform/settings';
import { azureEnv } from '../support/settings-env';

/** The Attack Simulation Training connector is off unless said otherwise, and says what it expects. */
describe('TRAINING_ATTACK_SIMULATION settings', () => {
  it('is off by default, with a daily schedule before the cycles open', () => {
    const s = parseSettings(azureEnv);
    expect(s.training.attackSimulation).toEqual({ enabled: false, schedule: '0 30 5 * * *' });
  });

  it('turns on with "on" only, and names the setting otherwise', () => {
    expect(parseSettings({ ...azureEnv, TRAINING_ATTACK_SIMULATION: 'on' }).training.attackSimulation.enabled).toBe(true);
    let error: unknown;
    try {
      parseSettings({ ...azureEnv, TRAINING_ATTACK_SIMULATION: 'yes' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([{ setting: 'TRAINING_ATTACK_SIMULATION', problem: 'expected off or on', example: 'off (default) or on' }]);
  });
});
