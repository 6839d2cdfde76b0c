/**
 * Where an app's behaviour depends on NODE_ENV: setting `NODE_ENV=production` then changes what the
 * app does (which config it loads, which database it talks to), not only how fast it runs.
 */
import type { Project } from '../project/project.js';
import { runtimeSources } from '../project/sources.js';

export interface NodeEnvUse {
  /** The file that depends on NODE_ENV, relative to the context. */
  file: string;
  /** What depends on it. */
  why: string;
}

/** The first place the app's behaviour depends on NODE_ENV, or null. */
export function nodeEnvUse(project: Project): NodeEnvUse | null {
  const facts = project.facts;
  const files = facts.files ?? [];
  const deps = { ...facts.packageJson?.dependencies };
  // The config package loads config/production.* (or NODE_CONFIG_DIR) when NODE_ENV=production.
  if (deps.config !== undefined) {
    const prod = files.find((f) => /^config\/production(\.[a-z0-9]+)+$/i.test(f) || /^config\/production-/.test(f));
    if (prod) return { file: prod, why: 'the config package loads it when NODE_ENV=production' };
  }
  // Mode-specific env files: dotenv-flow and friends load .env.production at run time.
  if (deps['dotenv-flow'] !== undefined || deps['dotenv-extended'] !== undefined || deps['@next/env'] !== undefined) {
    return {
      file: 'package.json',
      why: `${deps['dotenv-flow'] !== undefined ? 'dotenv-flow' : deps['dotenv-extended'] !== undefined ? 'dotenv-extended' : '@next/env'} picks the .env files by NODE_ENV`,
    };
  }
  // Database configurations with a production block (knex, sequelize, typeorm).
  for (const f of files) {
    if (
      !/^(knexfile\.[cm]?[jt]s|\.sequelizerc|ormconfig\.(json|js|ts|ya?ml)|config\/config\.json|config\/database\.(json|[cm]?js|ts)|database\/config\.(json|[cm]?js))$/.test(
        f,
      )
    )
      continue;
    const t = facts.read(f);
    if (t && /\bproduction\b/.test(t)) return { file: f, why: 'it has a production block that NODE_ENV=production selects' };
    if (t && /\b(development|test|staging)\b/.test(t))
      return { file: f, why: 'it picks its block by NODE_ENV and has none for production' };
  }
  // The app's own code branching on NODE_ENV.
  for (const { path, text } of runtimeSources(project))
    if (/\bNODE_ENV\b/.test(text)) return { file: path, why: 'the code reads NODE_ENV' };
  return null;
}
