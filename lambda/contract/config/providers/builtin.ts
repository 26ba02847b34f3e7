import { providerDeployment } from '../deployment';

/** The deterministic model that runs in-process: the local server's offline default, and tests'. */
export const builtinDeployment = providerDeployment('builtin', {});
