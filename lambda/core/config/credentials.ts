/** Where provider API keys come from: never the request, never a plaintext deployment variable. */
export interface CredentialSource {
  /** The key stored under `name`, or undefined when none is configured. */
  get(name: string): Promise<string | undefined>;
}

/** Local runs: each credential read from the environment variable the config names for it. */
export class EnvCredentialSource implements CredentialSource {
  constructor(
    private readonly variables: Readonly<Record<string, string>>,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const variable = this.variables[name];
    return variable ? this.env[variable] : undefined;
  }
}
