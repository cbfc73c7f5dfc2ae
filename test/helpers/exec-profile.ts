/** A profile that puts one of test/integrations/exec-plugins in the restricted chain (label team=web). */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXEC_PLUGINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../integrations/exec-plugins');

export function execPluginProfile(plugin: string, more = ''): string {
  return `apiVersion: kharden.dev/v1alpha1
kind: Profile
extends: restricted
transforms:
  - id: team-label
    exec:
      command: ${path.join(EXEC_PLUGINS, plugin)}
      env: {LABEL_KEY: team, LABEL_VALUE: web}
${more}`;
}
