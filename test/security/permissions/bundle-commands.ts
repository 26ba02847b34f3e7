import { build, type Metafile } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PLATFORM_HANDLERS,
  platformFunctionDefaults,
  type PlatformHandler,
} from '../../../constructs/shared/platform-function';

/**
 * The AWS SDK commands each platform handler's bundle holds, found the way the handler is shipped:
 * esbuild with the constructs' own entry and options (`platformFunctionDefaults`), all handlers at once.
 *
 * The SDK is external to the bundles (the Lambda runtime provides it), so the metafile names each
 * `@aws-sdk/client-*` package the bundle loads and which source module loads it; the command classes
 * are what the bundled code takes from those packages (`x.SendMessageCommand`: property names survive
 * minification). A name counts as a command only if the imported client package declares it.
 * Code that signs its own requests (SigV4 without the SDK) would hide from this: the bundle is
 * searched for the SigV4 algorithm name, and finding it fails the check (`rawSigV4`).
 */
export interface BundledCommand {
  /** `@aws-sdk/client-sqs` */
  readonly client: string;
  /** `SendMessageCommand` */
  readonly command: string;
  /** The IAM action the command needs: `sqs:SendMessage`. */
  readonly action: string;
  /** The source modules that import the client package. */
  readonly importedBy: readonly string[];
}

export interface HandlerBundle {
  readonly handler: PlatformHandler;
  readonly commands: readonly BundledCommand[];
  /** Whether the code holds `AWS4-HMAC-SHA256` (request signing outside the SDK). */
  readonly rawSigV4: boolean;
}

/** IAM service prefix of each SDK client package the handlers use. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-bedrock-runtime': 'bedrock',
};

/** Commands whose IAM action is not their name (Bedrock's Converse API authorizes as InvokeModel). */
const ACTION_OF_COMMAND: Readonly<Record<string, string>> = {
  'bedrock:Converse': 'bedrock:InvokeModel',
  'bedrock:ConverseStream': 'bedrock:InvokeModelWithResponseStream',
};

function commandExists(client: string, command: string): boolean {
  const root = path.dirname(require.resolve(`${client}/package.json`));
  return fs.existsSync(path.join(root, 'dist-types', 'commands', `${command}.d.ts`));
}

export function commandsOf(metafile: Metafile, code: string): BundledCommand[] {
  const importers = new Map<string, Set<string>>();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const imported of imports) {
      if (!imported.external || !imported.path.startsWith('@aws-sdk/client-')) continue;
      importers.set(imported.path, (importers.get(imported.path) ?? new Set()).add(input));
    }
  }
  const names = new Set([...code.matchAll(/\.([A-Z][A-Za-z0-9]*Command)\b/g)].map((match) => match[1]!));
  const commands: BundledCommand[] = [];
  for (const [client, by] of importers) {
    const prefix = IAM_PREFIX[client];
    if (!prefix) {
      throw new Error(
        `A bundle imports ${client} (from ${[...by].join(', ')}), whose IAM service prefix is not known: ` +
          'add it to IAM_PREFIX in test/security/permissions/bundle-commands.ts.',
      );
    }
    for (const command of names) {
      if (!commandExists(client, command)) continue;
      const named = `${prefix}:${command.replace(/Command$/, '')}`;
      commands.push({ client, command, action: ACTION_OF_COMMAND[named] ?? named, importedBy: [...by].sort() });
    }
  }
  return commands.sort((a, b) => a.command.localeCompare(b.command));
}

/** Bundles every platform handler once (in parallel, in memory) and lists the SDK commands of each. */
export async function bundleHandlers(): Promise<HandlerBundle[]> {
  const handlers = Object.keys(PLATFORM_HANDLERS) as PlatformHandler[];
  return Promise.all(
    handlers.map(async (handler) => {
      const defaults = platformFunctionDefaults(handler);
      const bundling = defaults.bundling!;
      const result = await build({
        entryPoints: [defaults.entry!],
        bundle: true,
        platform: 'node',
        write: false,
        outfile: `${handler}/index.js`,
        minify: bundling.minify,
        target: bundling.target,
        format: 'cjs',
        mainFields: bundling.mainFields,
        external: bundling.externalModules,
        legalComments: 'none',
        metafile: true,
        logLevel: 'silent',
      });
      const code = result.outputFiles.map((file) => file.text).join('\n');
      return { handler, commands: commandsOf(result.metafile, code), rawSigV4: code.includes('AWS4-HMAC-SHA256') };
    }),
  );
}
